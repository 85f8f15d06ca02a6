"""Throwaway databases on the PostgreSQL server that TEST_POSTGRES_URL names (tests and benchmarks)."""
from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator, Optional

import sqlalchemy as sa

SERVER = os.environ.get("TEST_POSTGRES_URL")


def require() -> str:
    """The server's URL. Without one the test fails rather than skips: a skip would pass unseen."""
    if not SERVER:
        import pytest  # not at the top: the benchmarks use this module without pytest

        pytest.fail("PostgreSQL is needed and TEST_POSTGRES_URL is not set: run scripts/test.sh (it starts a "
                    "throwaway server), or set TEST_POSTGRES_URL=postgresql://USER@HOST:PORT/postgres. For the "
                    "SQLite variants alone, add -k 'not postgresql'.", pytrace=False)
    return SERVER


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def admin_engine() -> sa.Engine:
    """An autocommit engine on the server's maintenance database (CREATE/DROP DATABASE)."""
    return sa.create_engine(_psycopg(SERVER), isolation_level="AUTOCOMMIT")


def database_url(name: str) -> str:
    """The URL of database `name` on the server."""
    return sa.make_url(_psycopg(SERVER)).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(prefix: str, template: Optional[str] = None) -> Iterator[str]:
    """Create a uniquely named database (a copy of `template`), answer its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = admin_engine()
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    try:
        yield database_url(name)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
