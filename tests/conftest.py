"""Fixtures: an app on a fresh SQLite file per test, its client, CLI runner and a `Wizard`."""
from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from wizard import create_app
from wizard.extensions import db

from .helpers import Wizard


@pytest.fixture
def make_app(tmp_path: Path):
    """Build apps on this test's database; settings may be overridden."""
    made = []

    def make(**overrides):
        app = create_app({
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'wizard.db'}",
            "BILLING_DROP_DIR": str(tmp_path / "billing-drop"),
            "RATELIMIT_ENABLED": False,
            **overrides,
        })
        made.append(app)
        return app

    yield make
    for app in made:
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
