"""The migrations build exactly the models' schema, on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet

from wizard import create_app
from wizard.core.extensions import db
from wizard.core.migrate import alembic_config, at_head, heads, upgrade
from wizard.core.models import Base, load_all_models

from .postgres import fresh_database
from .postgres import require as require_postgres

load_all_models()  # every feature's tables on the shared metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    require_postgres()
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


def _rows(app, sql: str) -> list[tuple]:
    with db.engine(app).connect() as connection:
        return [tuple(r) for r in connection.exec_driver_sql(sql)]


def test_upgrading_a_database_in_use_keeps_its_plans_shown_and_its_enrollments(bare_app):
    """0003 -> head on a database with data: channels become visibility rows, nothing is lost.

    On SQLite the migration rebuilds tables; with foreign keys enforced that rebuild failed on
    rows pointing at the enrollment table, or silently cascade-deleted plan visibility rows.
    """
    upgrade(bare_app, "0003")
    with db.engine(bare_app).begin() as c:
        c.exec_driver_sql("INSERT INTO state (code, name, usage_levels, rescission_business_days, max_days_ahead) "
                          "VALUES ('TX', 'Texas', '[500, 1000, 2000]', 3, 90)")
        c.exec_driver_sql("INSERT INTO plan (code, name, state_code, rate_type, energy_cents_per_kwh, base_fee, "
                          "term_months, early_termination_fee, etf_per_remaining_month, renewable_percent, "
                          "customer_types, channels, promo_only, quote_request, efl_version, tos_version, "
                          "yrac_version) VALUES ('SAVER12', 'Saver', 'TX', 'fixed', 11.9, 9.95, 12, 150, false, "
                          "10, '[\"residential\"]', '[\"web\", \"agent\"]', false, false, '1', '1', '1')")
        c.exec_driver_sql("INSERT INTO customer (id, customer_type, first_name, last_name, email, phone, language, "
                          "contact_method, created_at) VALUES (1, 'residential', 'Ana', 'Garza', 'a@example.com', "
                          "'+12145550100', 'en', 'email', '2026-11-01 10:00:00')")
        c.exec_driver_sql("INSERT INTO enrollment (id, number, submission_key, channel, customer_id, state, "
                          "utility_code, plan_code, plan_snapshot, service_address, billing_address, "
                          "enrollment_type, start_timing, consent, status, created_at, updated_at) VALUES "
                          "(1, 'EN-1', 'k1', 'web', 1, 'TX', 'oncor', 'SAVER12', '{}', '{}', '{}', 'switch', "
                          "'first_available', '{}', 'Accepted', '2026-11-01 10:00:00', '2026-11-01 10:00:00')")
        c.exec_driver_sql("INSERT INTO status_change (enrollment_id, to_status, at, reason) "
                          "VALUES (1, 'Accepted', '2026-11-01 10:00:00', 'sent')")
    upgrade(bare_app)
    assert sorted(_rows(bare_app, "SELECT plan_code, channel FROM plan_visibility")) == [
        ("SAVER12", "agent"), ("SAVER12", "web")]
    assert _rows(bare_app, "SELECT e.number, s.to_status, e.resubmissions FROM enrollment e "
                           "JOIN status_change s ON s.enrollment_id = e.id") == [("EN-1", "Accepted", 0)]
    command.downgrade(alembic_config(bare_app), "0003")
    assert [(code, json.loads(ch) if isinstance(ch, str) else ch)
            for code, ch in _rows(bare_app, "SELECT code, channels FROM plan")] == [("SAVER12", ["agent", "web"])]
