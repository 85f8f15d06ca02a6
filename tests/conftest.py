"""Fixtures: an app per test on a fresh database, SQLite and PostgreSQL.

Every test that uses `app`, `make_app` or `database_url` runs once on each database.
`scripts/test.sh` starts a throwaway PostgreSQL and sets TEST_POSTGRES_URL; without it the
PostgreSQL variants fail (not skip) and say so.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.orm import sessionmaker

import billing
from wizard import create_app
from wizard.app import stop_background
from wizard.core.extensions import db
from wizard.core.models import Base, load_all_models

from . import postgres
from .helpers import Wizard

load_all_models()  # every feature's tables on the shared metadata

#: Per test run, so two runs sharing one PostgreSQL server never drop each other's template.
TEMPLATE = f"wizard_template_{os.getpid()}"


@pytest.fixture(scope="session")
def postgres_template():
    """A PostgreSQL database migrated to head with the demo catalog, copied for each test."""
    postgres.require()
    admin = postgres.admin_engine()
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        c.exec_driver_sql(f"CREATE DATABASE {TEMPLATE}")
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "DATABASE_URL": postgres.database_url(TEMPLATE), "AUTO_MIGRATE": True})
    db.engine(app).dispose()
    yield TEMPLATE
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path):
    """A fresh database: an empty SQLite file, or a PostgreSQL copy of the migrated template."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wizard.db'}"
        return
    with postgres.fresh_database("t", template=request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture
def make_app(tmp_path: Path, database_url: str):
    """Build apps on this test's database; settings may be overridden."""
    made = []

    def make(**overrides):
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": database_url,
            "BILLING_DROP_DIR": str(tmp_path / "billing-drop"),
            "MAIL_TRANSPORT": "file",  # tests read the mail from files (tests/mail_helpers.py)
            "MAIL_DIR": str(tmp_path / "mail"),
            "RATELIMIT_ENABLED": False,
            **overrides,
        })
        made.append(app)
        return app

    yield make
    for app in made:
        # A worker thread outliving its test polls a dropped database and runs beside later tests
        # (a CI run saw ast.parse raise SystemError in test_layout while a leftover mail thread ran).
        stop_background(app)
        db.engine(app).dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def wizard(client):
    return Wizard(client)


@pytest.fixture
def session(app):
    """A database session outside any request."""
    with db.sessionmaker(app)() as s:
        yield s


@pytest.fixture
def store(database_url: str):
    """A database with the shared schema, outside any Flask app (SQLite and PostgreSQL)."""
    engine = sa.create_engine(database_url)
    Base.metadata.create_all(engine)  # already there on the PostgreSQL template
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def cipher_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def cipher(cipher_key: str) -> billing.FieldCipher:
    return billing.FieldCipher(cipher_key)
