"""`flask --app wsgi api purge`: forget POST answers kept for Idempotency-Key replays once partners
no longer retry (API_IDEMPOTENCY_HOURS, 72); run it from cron beside `drafts purge`."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from wizard.core.extensions import db

from . import idempotency

api_cli = AppGroup("api", help="The partners' Enrollment API.")


@api_cli.command("purge")
def purge_command() -> None:
    """Delete answers kept for replays longer than API_IDEMPOTENCY_HOURS."""
    hours = current_app.config["API_IDEMPOTENCY_HOURS"]
    with db.sessionmaker(current_app)() as session:
        count = idempotency.purge(session, dt.timedelta(hours=hours))
    click.echo(f"Purged {count} stored API answer(s) older than {hours} hours.")
