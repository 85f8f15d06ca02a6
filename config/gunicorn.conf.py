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
# Recycle workers now and then so that no slow leak grows without bound; the wide jitter keeps
# workers from recycling at the same moment.
max_requests = int(os.environ.get("MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 2
# Load the app once in the master and fork it: a recycled worker starts in milliseconds instead
# of re-importing for a second (the worst stalls seen in bench/), and workers share the imported
# code's memory. A release therefore needs a restart of the master, not a HUP.
preload_app = True


def when_ready(server):
    """Move everything imported so far out of the garbage collector's reach: fork shares it."""
    import gc

    gc.freeze()


def post_fork(server, worker):
    """Each worker opens its own database connections: never reuse the master's."""
    app = server.app.wsgi()
    if "db" in getattr(app, "extensions", {}):  # bench/bare.py shares these settings
        from wizard.core.extensions import db

        db.engine(app).dispose(close=False)
# Behind a load balancer: trust its X-Forwarded-* headers only from these addresses. (The app
# itself takes the client's address from X-Forwarded-For only with PROXY_TRUSTED_HOPS set.)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The Server header names no version: gunicorn (>= 20.1; pyproject.toml needs >= 22) sends
# "Server: gunicorn" alone. The app sets no Server header of its own: the WSGI server writes
# that header itself (gunicorn, and werkzeug's development server, which names its and Python's
# versions and is never used in production), so an app header would only be a second one.
accesslog = os.environ.get("ACCESS_LOG", "-")
# The path only (%(U)s): query strings never reach the logs.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
