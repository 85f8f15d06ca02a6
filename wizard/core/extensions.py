"""Extensions, created unbound and attached to an app by `create_app`."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """A SQLAlchemy engine per app and a session per app context.

    Plain SQLAlchemy rather than Flask-SQLAlchemy: the billing module shares these models and
    must run without Flask, so the models use one plain `DeclarativeBase` and a worker opens
    sessions from `db.sessionmaker(app)` exactly as a request does.
    """

    def init_app(self, app: Flask) -> None:
        """Create the app's engine and close the request's session at teardown."""
        url = database_url(app.config["DATABASE_URL"])
        options: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": 15, "check_same_thread": False}
        else:
            # A sync worker serves one request at a time; the spare is for the drain thread.
            options.update(pool_size=app.config["DB_POOL_SIZE"], max_overflow=app.config["DB_MAX_OVERFLOW"],
                           pool_recycle=1800)
        engine = create_engine(url, **options)
        if url.startswith("sqlite"):
            event.listen(engine, "connect", _sqlite_pragmas)
        app.extensions["db"] = sessionmaker(bind=engine, expire_on_commit=False)
        app.teardown_appcontext(self._close)

    @staticmethod
    def sessionmaker(app: Flask) -> sessionmaker[Session]:
        """The app's session factory, for work outside a request (CLI, worker threads)."""
        return app.extensions["db"]

    def engine(self, app: Flask | None = None) -> Engine:
        """The engine of `app` (default: the current app)."""
        factory = self.sessionmaker(app or current_app)
        return factory.kw["bind"]

    @property
    def session(self) -> Session:
        """The current app context's session, opened on first use."""
        if "db_session" not in g:
            g.db_session = self.sessionmaker(current_app)()
        return g.db_session

    @staticmethod
    def _close(exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the usual postgres:// form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


db = Database()
compress = Compress()
csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
