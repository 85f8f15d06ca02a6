"""The app factory: settings, extensions, blueprints, error handlers, headers, commands, database."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask, abort, g, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.engine import make_url
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

import billing
from wizard.core.extensions import compress, csrf, db, htmx, limiter, login_manager
from wizard.core.rendering import render_page
from wizard.core.request_limits import SizedRequest
from wizard.core.sessions import AreaSessionInterface, in_admin, in_api

from .api import problems as api_problems
from .core import assets, background, cli, filters, i18n
from .embed import frames
from .mail.links import site_url_problem

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def create_app(test_config: Optional[Mapping[str, Any]] = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, commands, database."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.request_class = SizedRequest
    testing = bool(test_config and test_config.get("TESTING"))
    app.config.from_object("config.settings.TestSettings" if testing else "config.settings.Settings")
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    if test_config:
        app.config.from_mapping(test_config)
    configure_instance(app)
    register_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_url_guard(app)
    register_headers(app)
    cli.register(app)
    filters.register(app)
    prepare_database(app)
    if app.config["BILLING_DRAIN_IN_PROCESS"]:
        register_background_drain(app)
    return app


def configure_instance(app: Flask) -> None:
    """Fill in the embedded default: SQLite, keys and drop folder in the instance folder."""
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(instance, 0o700)  # keys, the SQLite database and billing files: nobody else's
    production = bool(app.config.get("DATABASE_URL")) and not app.testing
    if production and not app.config["SESSION_COOKIE_SECURE"] and not app.config["ALLOW_INSECURE_HTTP"]:
        raise RuntimeError("SESSION_COOKIE_SECURE must be on when DATABASE_URL is set: customers' and staff's "
                           "cookies must only travel over HTTPS. To serve plain HTTP on purpose (a test server "
                           "on 127.0.0.1), set ALLOW_INSECURE_HTTP=1.")
    problem = site_url_problem(app.config.get("SITE_URL"))
    if problem:
        raise RuntimeError(problem)
    if production and app.config["MAIL_TRANSPORT"] == "smtp" and not app.config.get("SITE_URL"):
        raise RuntimeError("SITE_URL must be set when mail goes out by SMTP (https://signup.example.com): "
                           "emailed links are built on it, never on the Host header a request brings.")
    for key, generate in (("SECRET_KEY", lambda: secrets.token_urlsafe(48)),
                          ("FIELD_ENCRYPTION_KEYS", billing.FieldCipher.generate_key)):
        if not app.config.get(key):
            if production:
                raise RuntimeError(f"{key} must be set in the environment when DATABASE_URL is set: "
                                   "every process and host needs the same value.")
            app.config[key] = _instance_secret(instance / key.lower(), generate)
    app.config["DATABASE_URL"] = app.config.get("DATABASE_URL") or f"sqlite:///{instance / 'wizard.db'}"
    _private_sqlite_file(app.config["DATABASE_URL"])
    app.config["BILLING_DROP_DIR"] = app.config.get("BILLING_DROP_DIR") or str(instance / "billing-drop")
    app.config["MAIL_DIR"] = app.config.get("MAIL_DIR") or str(instance / "mail")
    app.config["BILLING_STATUS_DIR"] = app.config.get("BILLING_STATUS_DIR") or str(
        Path(app.config["BILLING_DROP_DIR"]).parent / "billing-status")
    app.extensions["cipher"] = billing.FieldCipher(app.config["FIELD_ENCRYPTION_KEYS"])
    if app.config.get("AUTO_MIGRATE") is None:
        app.config["AUTO_MIGRATE"] = app.config["DATABASE_URL"].startswith("sqlite")


def _owner_only(path: Path, mode: int) -> None:
    """Give `path` `mode` (no group or other access) if this process owns it."""
    if path.stat().st_uid == os.geteuid():
        path.chmod(mode)


def _private_sqlite_file(url: str) -> None:
    """Create a SQLite database file readable by its owner only (SQLite gives its journal and
    WAL files the same mode), and take group and other access away from an existing one."""
    if not url.startswith("sqlite"):
        return
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if path.exists():
        _owner_only(path, 0o600)


def _instance_secret(path: Path, generate: Any) -> str:
    """A secret kept in the instance folder, generated on first start (readable by owner only)."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(generate())
    return path.read_text().strip()


def register_proxy(app: Flask) -> None:
    """Behind PROXY_TRUSTED_HOPS proxies, take the client's address and scheme from their headers.

    Rate limits and the consent record read `request.remote_addr`: without this, behind a load
    balancer every customer would share its address. With 0 hops the headers are ignored.
    Inside that, embedded pages without a cookie get their redirects followed on the server.
    """
    from .embed.redirects import FollowEmbedRedirects

    app.wsgi_app = FollowEmbedRedirects(app.wsgi_app, app.config["EMBED_SESSION_COOKIE_NAME"])  # type: ignore[method-assign]
    hops = app.config["PROXY_TRUSTED_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to `app`."""
    db.init_app(app)
    compress.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Sign in to My Account to see that page.")
    login_manager.localize_callback = str  # flashed in the request's language (a lazy text is not JSON)
    login_manager.blueprint_login_views = {"admin": "admin.login"}
    app.session_interface = AreaSessionInterface()
    from .account import logins as accounts  # noqa: F401  registers the user loader


def register_blueprints(app: Flask) -> None:
    """The wizard, My Account and plan documents."""
    from . import admin, agents
    from .api import views as api
    from .account import recovery  # noqa: F401  its routes on account.bp
    from .account import views as account
    from .catalog import documents
    from .core import health
    from .embed import branding  # noqa: F401  its routes on embed.bp
    from .embed import views as embed
    from .mail import dev as dev_mail
    from .signup import address_views, resume, waitlist_views  # noqa: F401  their routes on signup's bp
    from .signup import views

    app.register_blueprint(health.bp)
    app.register_blueprint(views.bp)
    # The same steps inside an affiliate's iframe: /embed/<affiliate>/signup/<slug>.
    app.register_blueprint(views.bp, name=frames.SIGNUP, url_prefix="/embed/<affiliate>/signup")
    app.register_blueprint(embed.bp)
    frames.register(app)
    app.register_blueprint(account.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(admin.blueprint())
    app.register_blueprint(agents.blueprint())
    app.register_blueprint(dev_mail.bp)
    app.register_blueprint(api.bp)
    app.add_url_rule("/", "index", lambda: redirect(url_for("signup.start")))


ERROR_TEXT = {
    400: (_l("This page has expired"), _l("For your security the form could not be sent. "
          "Your answers so far are saved: go back to the signup to carry on.")),
    403: (_l("You can't use that page"), _l("Your staff role does not include this page. "
          "Ask an admin if you need it.")),
    413: (_l("That was too much to send"), _l("Nothing was kept from that page: it was far longer than any "
          "answer can be. Go back and check what you typed. Your answers so far are saved.")),
    404: (_l("Page not found"), _l("If you typed the address, check it is correct.")),
    405: (_l("Page not found"), _l("That page cannot be used this way.")),
    409: (_l("Someone else changed this"), _l("Someone else changed this at the same moment, so your change "
          "was not saved. Reload the page to see the current version, then make your change again.")),
    429: (_l("Too many attempts"), _l("You have tried this too many times in a short while. "
          "Wait a minute, then try again. Your answers so far are saved.")),
    500: (_l("Sorry, something went wrong"), _l("Your answers so far are saved. Try again in a moment.")),
}


#: The admin area speaks to staff, not to a customer with answers in a draft.
ADMIN_ERROR_TEXT = {
    **ERROR_TEXT,
    400: ("This page has expired", "For your security the form could not be sent. "
          "Go back, reload the page and send it again."),
    429: ("Too many attempts", "You have tried this too many times in a short while. "
          "Wait a minute, then try again."),
    413: ("That is too large", "Nothing was saved. Uploads can be at most 16 MB (plan documents at most "
          "5 MB, premise extracts 512 MB, sales files 20 MB), other forms far less: go back and send a smaller "
          "file or shorter text."),
    500: ("Sorry, something went wrong", "Try again in a moment. If it happens again, "
          "tell the team that runs this service what you were doing."),
}


def register_errorhandlers(app: Flask) -> None:
    """Every error answers a plain page (or panel, for htmx) in the wizard's look."""

    def handle(error: Exception) -> Response:
        code = error.code if isinstance(error, HTTPException) and error.code in ERROR_TEXT else 500
        if isinstance(error, CSRFError):
            code = 400
        if isinstance(error, StaleDataError):  # a row changed or went between reading and writing it
            code = 409
            app.logger.warning("conflict on %s %s: %s", request.method, request.path, error)
        elif not isinstance(error, HTTPException):
            app.logger.error("unexpected error on %s %s", request.method, request.path, exc_info=error)
        _roll_back()  # a failed flush leaves the session unusable: the page below reads the database
        if in_api():  # partners' scripts read problem details (RFC 9457), not pages
            return api_problems.from_http(error)
        if in_admin():
            title, text = ADMIN_ERROR_TEXT[code]
            return make_response(render_template("admin/error.html", title=title, heading=title, text=text), code)
        title, text = frames.ERROR_TEXT.get(frames.error_kind(), ERROR_TEXT[code])
        return render_page("error.html", code, title=title, text=text, code=code)

    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(CSRFError, handle)
    app.register_error_handler(StaleDataError, handle)
    if not app.testing:  # tests let unexpected errors surface as failures
        app.register_error_handler(Exception, handle)


def _roll_back() -> None:
    """Roll back the request's database session, if it opened one."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def register_url_guard(app: Flask) -> None:
    """A URL part with control characters (NUL: PostgreSQL refuses it) names nothing: 404."""

    @app.url_value_preprocessor
    def refuse_control_characters(_endpoint: Optional[str], values: Optional[dict[str, Any]]) -> None:
        if values and any(isinstance(v, str) and any(ord(c) < 32 or ord(c) == 127 for c in v)
                          for v in values.values()):
            abort(404)


def register_headers(app: Flask) -> None:
    """Strict CSP and friends on every response; wizard pages are never cached."""

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP.replace(
            "frame-ancestors 'none'", f"frame-ancestors {frames.frame_ancestors()}"))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = app.config["STRICT_TRANSPORT_SECURITY"]
        response.vary.add("HX-Request")
        # An affiliate's brand.css (revalidated) and logo (versioned URL) set their own caching;
        # their 404s (a closed affiliate, an old logo) are not kept.
        if response.status_code >= 400 or request.endpoint not in (
                "static", "health.healthz", "health.readyz", "embed.brand_css", "embed.logo"):
            response.headers["Cache-Control"] = "no-store"
        return response


def prepare_database(app: Flask) -> None:
    """Embedded default: migrate to head, load the demo catalog and demo premises on first start.

    With DATABASE_URL set (production) the operator runs `flask --app wsgi db upgrade` once per
    release instead, so that many processes never race to migrate.
    """
    if not app.config["AUTO_MIGRATE"]:
        return
    from wizard.catalog.offers import load_catalog
    from wizard.core.migrate import at_head, upgrade
    from wizard.premises.importer import load_demo

    if not at_head(app):
        upgrade(app)
    with db.sessionmaker(app)() as session:
        load_catalog(session, app.config["CATALOG_FILE"])
    if app.config.get("PREMISES_FILE"):
        load_demo(db.sessionmaker(app), Path(app.config["PREMISES_FILE"]))


def register_background_drain(app: Flask) -> None:
    """Embedded default: the serving process drains the billing outbox in a thread."""
    from wizard.core.billing_runner import start_background_drain

    from wizard.mail.runner import start_background as start_background_mail

    @app.before_request
    def ensure_drain() -> None:
        if "billing_drain_stop" not in app.extensions:
            start_background_drain(app)
        if "mail_stop" not in app.extensions:
            start_background_mail(app)


def stop_background(app: Flask, timeout: float = 15) -> None:
    """Stop the embedded default's worker threads (billing and mail) and wait for them to end, and
    for imports started from the admin (premises, sales: they are not stopped half-way)."""
    for stop in ("billing_drain_stop", "mail_stop"):
        if stop in app.extensions:
            app.extensions[stop].set()
    for thread in ("billing_drain_thread", "mail_thread"):
        if thread in app.extensions:
            app.extensions[thread].join(timeout=timeout)
    background.join_all(app, timeout)
