"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment. Workers are sync: each serves one request
at a time, which keeps per-worker memory small and the database pool tiny (DB_POOL_SIZE).
"""
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "sync"
timeout = int(os.environ.get("WORKER_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that no slow leak grows without bound.
max_requests = int(os.environ.get("MAX_REQUESTS", 2000))
max_requests_jitter = 200
# Behind a load balancer: trust its X-Forwarded-* headers only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("ACCESS_LOG", "-")
# The path only (%(U)s): query strings never reach the logs.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
