"""The migrations build exactly the models' schema, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet

import wizard.models  # noqa: F401  all tables on the shared metadata
from billing.models import Base
from wizard import create_app
from wizard.extensions import db
from wizard.migrate import at_head, heads, upgrade

from .postgres import SERVER as POSTGRES
from .postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES:
        pytest.skip("PostgreSQL not available: run scripts/test.sh, which starts one")
    with fresh_database("m") as url:
        yield url


@pytest.fixture
def bare_app(empty_database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "DATABASE_URL": empty_database_url, "AUTO_MIGRATE": False})
    yield app
    db.engine(app).dispose()


def test_upgrade_to_head_gives_exactly_the_models_schema(bare_app):
    assert not at_head(bare_app)
    upgrade(bare_app)
    assert at_head(bare_app)
    with db.engine(bare_app).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_db_upgrade_command_migrates_and_loads_the_catalog(bare_app):
    result = bare_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "catalog loaded" in result.output
    assert "at head" in bare_app.test_cli_runner().invoke(args=["db", "current"]).output
    again = bare_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert "catalog loaded" not in again.output  # idempotent


def test_one_head():
    assert len(heads()) == 1
