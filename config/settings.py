"""Settings for each way the wizard runs, read from the environment.

The embedded default (no DATABASE_URL) keeps everything in the instance folder: a SQLite file,
a generated secret key and field-encryption key, and the billing drop folder.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


class Settings:
    """Defaults shared by every environment; instance paths are filled in by the app factory."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS")
    DATABASE_URL = os.environ.get("DATABASE_URL")  # None: SQLite file in the instance folder
    # Connections per process: workers x (pool + overflow) must stay under max_connections.
    DB_POOL_SIZE = _env_int("DB_POOL_SIZE", 2)
    DB_MAX_OVERFLOW = _env_int("DB_MAX_OVERFLOW", 2)
    CATALOG_FILE = os.environ.get("CATALOG_FILE", str(HERE / "demo_catalog.toml"))
    # ERCOT's TDSP ESI ID extract (the demo ZIPs' premises) loaded into an empty premise table on the
    # embedded default's first start; real data comes by `flask --app wsgi premises import`.
    PREMISES_FILE = os.environ.get("PREMISES_FILE", str(HERE / "demo_premises.csv"))
    SUPPLIER_NAME = os.environ.get("SUPPLIER_NAME", "Lone Star Power")
    # Given to customers in emails that ask them to call (a rejected enrollment).
    CUSTOMER_SERVICE_PHONE = os.environ.get("CUSTOMER_SERVICE_PHONE", "1-800-555-0199")

    # Migrate and load the catalog at start-up: on for SQLite, off when DATABASE_URL is set.
    AUTO_MIGRATE = None if os.environ.get("AUTO_MIGRATE") is None else _env_bool("AUTO_MIGRATE", False)

    DRAFT_TTL = dt.timedelta(hours=_env_int("DRAFT_TTL_HOURS", 72))
    # The session cookie carries only the draft id, CSRF token and login; it lives as long
    # as a draft so a customer can close the browser and resume.
    PERMANENT_SESSION_LIFETIME = DRAFT_TTL
    # CSRF tokens are tied to the session and last as long as it: a customer may take days.
    WTF_CSRF_TIME_LIMIT = int(DRAFT_TTL.total_seconds())
    # WTForms' own messages ("Not a valid choice.") in the page's language, from its Spanish catalog.
    WTF_I18N_ENABLED = True
    SESSION_COOKIE_NAME = "signup"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # With DATABASE_URL set (production) the app refuses to start unless the cookies are Secure
    # (served over HTTPS), or this says plain HTTP is meant (e.g. a test server on 127.0.0.1).
    ALLOW_INSECURE_HTTP = _env_bool("ALLOW_INSECURE_HTTP", False)
    # Sent on every response when the cookies are Secure: browsers then never use plain HTTP.
    STRICT_TRANSPORT_SECURITY = os.environ.get("STRICT_TRANSPORT_SECURITY", "max-age=31536000; includeSubDomains")

    # argon2id at OWASP's second profile (t=2, m=19 MiB, p=1): 18-22 ms a hash on the 2-core
    # reference machine, so a worker stays inside its memory budget and a burst of signups
    # does not queue behind hashing; 19 MiB of memory hardness still defeats GPU cracking.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 19 * 1024)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 1)

    # The market's day, pinned (a date or ISO text) so tests do not depend on the real date;
    # None (always, outside tests) means the real day in Central time.
    TODAY = None

    BILLING_ADAPTER = os.environ.get("BILLING_ADAPTER", "file_drop")  # or "web_service"
    BILLING_URL = os.environ.get("BILLING_URL")
    BILLING_API_KEY = os.environ.get("BILLING_API_KEY")
    BILLING_DROP_DIR = os.environ.get("BILLING_DROP_DIR")  # None: instance/billing-drop
    BILLING_STATUS_DIR = os.environ.get("BILLING_STATUS_DIR")  # None: instance/billing-status
    BILLING_MAX_ATTEMPTS = _env_int("BILLING_MAX_ATTEMPTS", 12)
    BILLING_MAX_AGE = float(os.environ.get("BILLING_MAX_AGE", 6 * 3600))  # seconds, then On Hold
    BILLING_BACKOFF_BASE = float(os.environ.get("BILLING_BACKOFF_BASE", 2))
    BILLING_BACKOFF_CAP = float(os.environ.get("BILLING_BACKOFF_CAP", 900))
    BILLING_POLL_INTERVAL = float(os.environ.get("BILLING_POLL_INTERVAL", 900))  # seconds
    BILLING_LEASE = float(os.environ.get("BILLING_LEASE", 300))  # at least 3 x (connect + read timeout)
    BILLING_CONNECT_TIMEOUT = float(os.environ.get("BILLING_CONNECT_TIMEOUT", 3))  # seconds, web service
    BILLING_READ_TIMEOUT = float(os.environ.get("BILLING_READ_TIMEOUT", 10))
    BILLING_SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    BILLING_SMTP_PORT = _env_int("SMTP_PORT", 25)
    BILLING_MAIL_FROM = os.environ.get("MAIL_FROM", "enrollments@localhost")
    BILLING_CUSTOMER_SERVICE_EMAIL = os.environ.get("CUSTOMER_SERVICE_EMAIL", "customer-service@localhost")
    BILLING_OPERATIONS_EMAIL = os.environ.get("OPERATIONS_EMAIL", "operations@localhost")
    # The dev server drains the outbox in a background thread; production runs a worker.
    BILLING_DRAIN_IN_PROCESS = _env_bool("BILLING_DRAIN_IN_PROCESS", DATABASE_URL is None)
    # Customer mail (wizard/mail): "file" writes .eml files into MAIL_DIR (default instance/mail/,
    # shown at /dev/mail to this machine); "smtp" sends through SMTP_HOST. Default: smtp when
    # SMTP_HOST is set, else file. The serving process sends it when BILLING_DRAIN_IN_PROCESS is on;
    # in production run `flask --app wsgi mail worker`.
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT") or ("smtp" if os.environ.get("SMTP_HOST") else "file")
    MAIL_DIR = os.environ.get("MAIL_DIR")
    MAIL_DEV_PAGE = _env_bool("MAIL_DEV_PAGE", DATABASE_URL is None)
    MAIL_FROM = os.environ.get("MAIL_FROM", "enrollments@localhost")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", True)
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", 10))
    SMTP_CA_FILE = os.environ.get("SMTP_CA_FILE")  # a private relay's CA, trusted besides the system's
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_BACKOFF_BASE = float(os.environ.get("MAIL_BACKOFF_BASE", 30))
    MAIL_BACKOFF_CAP = float(os.environ.get("MAIL_BACKOFF_CAP", 3600))
    BILLING_DRAIN_INTERVAL = float(os.environ.get("BILLING_DRAIN_INTERVAL", 5))
    # The site's address as customers reach it (https://signup.example.com): links in emails are
    # built on it, never on the Host header of the request that caused the email (which whoever
    # sends the request chooses). Required in production when mail goes out by SMTP.
    SITE_URL = os.environ.get("SITE_URL")
    # Forgotten passwords: how long an emailed link works, and how often a link or a username may
    # be asked for (per client address, and per email address asked about).
    PASSWORD_RESET_LIFETIME = dt.timedelta(minutes=_env_int("PASSWORD_RESET_MINUTES", 60))
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour")
    # A customer enrolled by an agent, a partner or an import chooses the password from a link
    # emailed with the login: it waits longer than a reset link, as the email may be read days later.
    ACCOUNT_WELCOME_LIFETIME = dt.timedelta(days=_env_int("ACCOUNT_WELCOME_DAYS", 7))

    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (a load balancer: 1).
    # 0 trusts none: the client's address is the connection's, and a customer cannot spoof it.
    PROXY_TRUSTED_HOPS = _env_int("PROXY_TRUSTED_HOPS", 0)

    # Counters shared by every process and host through Redis; in memory on the embedded default.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    COMPRESS_ALGORITHM = "gzip"
    COMPRESS_MIMETYPES = ["text/html", "text/css", "application/javascript", "text/javascript",
                          "application/json", "image/svg+xml"]
    RATELIMIT_HEADERS_ENABLED = True
    LOOKUP_RATE_LIMIT = os.environ.get("LOOKUP_RATE_LIMIT", "30 per minute")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    #: Address searches (and choices) per client address: a customer types a few, a typeahead
    #: sends one per pause in typing; a scraper of the premise table gets 8 premises a search.
    PREMISE_SEARCH_RATE_LIMIT = os.environ.get("PREMISE_SEARCH_RATE_LIMIT", "30 per minute;300 per hour")
    #: Requests per partner API key (every endpoint of /api/v1/ counts; over it: 429 with Retry-After).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60 per minute;2000 per hour")
    #: How long the API keeps a POST's answer for replays under its Idempotency-Key.
    API_IDEMPOTENCY_HOURS = _env_int("API_IDEMPOTENCY_HOURS", 72)

    # The embedded wizard: its own cookie (path /embed/, SameSite=None; Secure; Partitioned), whose
    # signed value the embedded pages also carry for browsers that store no cookie in an iframe.
    EMBED_SESSION_COOKIE_NAME = "embed"
    # Admin area: its own cookie (path /admin, SameSite=Strict), server-side sessions.
    ADMIN_SESSION_COOKIE_NAME = "admin"
    ADMIN_IDLE_TIMEOUT = dt.timedelta(minutes=int(os.environ.get("ADMIN_IDLE_MINUTES", "30")))
    ADMIN_SESSION_MAX_AGE = dt.timedelta(hours=12)
    ADMIN_LOGIN_RATE_LIMIT = os.environ.get("ADMIN_LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    #: Failed sign-ins before an account is locked; each further failure doubles the lock.
    ADMIN_LOCK_AFTER = 5
    ADMIN_LOCK_BASE = dt.timedelta(minutes=1)
    ADMIN_LOCK_MAX = dt.timedelta(hours=1)
    # My Account: server-side sessions as the admin's (the cookie keeps only a random token),
    # ended at sign-out, after ACCOUNT_IDLE_MINUTES without a request or ACCOUNT_MAX_HOURS.
    ACCOUNT_IDLE_TIMEOUT = dt.timedelta(minutes=_env_int("ACCOUNT_IDLE_MINUTES", 30))
    ACCOUNT_SESSION_MAX_AGE = dt.timedelta(hours=_env_int("ACCOUNT_MAX_HOURS", 12))
    #: Customers' failed sign-ins lock their login as staff's do.
    ACCOUNT_LOCK_AFTER = ADMIN_LOCK_AFTER
    ACCOUNT_LOCK_BASE = ADMIN_LOCK_BASE
    ACCOUNT_LOCK_MAX = ADMIN_LOCK_MAX
    #: Usernames tried at the credentials step per address: "taken" must not become a directory.
    AVAILABILITY_RATE_LIMIT = os.environ.get("AVAILABILITY_RATE_LIMIT", "10 per minute;30 per hour")
    #: "Finish later" emails a link to whatever address is typed: per client address, so nobody can
    #: use it to send mail in bulk (stricter than LOOKUP_RATE_LIMIT, as each one sends an email).
    FINISH_LATER_RATE_LIMIT = os.environ.get("FINISH_LATER_RATE_LIMIT", "5 per minute;20 per hour")
    #: Largest plan document upload.
    MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
    #: Largest signed contract an agent uploads with a Quick Enrollment (a scanned PDF), and
    #: where contracts are kept (default: the instance folder's signed-contracts/).
    SIGNED_CONTRACT_BYTES = _env_int("SIGNED_CONTRACT_MB", 10) * 1024 * 1024
    SIGNED_CONTRACT_DIR = os.environ.get("SIGNED_CONTRACT_DIR") or None
    #: Largest request on the admin's upload pages (a ZIP map of every US ZIP is about 1 MB).
    MAX_UPLOAD_BYTES = 16 * 1024 * 1024
    #: Largest premise extract uploaded in the admin (ERCOT's FULL files come zipped, ~100 MB for the
    #: largest TDSP); bigger files go through `flask --app wsgi premises import`.
    PREMISE_UPLOAD_BYTES = _env_int("PREMISE_UPLOAD_MB", 512) * 1024 * 1024
    #: Largest sales file uploaded to the Sales Importer (10,000 sales are about 3 MB), and most sales
    #: in one file: the file waits, encrypted, in the database between its check and its import.
    SALES_IMPORT_UPLOAD_BYTES = _env_int("SALES_IMPORT_UPLOAD_MB", 20) * 1024 * 1024
    SALES_IMPORT_MAX_ROWS = _env_int("SALES_IMPORT_MAX_ROWS", 50_000)
    #: Largest request anywhere else, and largest form field: every form is a few KB.
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 128 * 1024  # above the multipart parser's 64 KiB chunk: uploads stream through


class TestSettings(Settings):
    """For the test suite: fast hashing, no background thread, fixed keys given by the tests."""

    TESTING = True
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8 * 1024
    BILLING_DRAIN_IN_PROCESS = False
    RATELIMIT_ENABLED = True
