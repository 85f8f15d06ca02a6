"""Command-line tasks: `flask --app wsgi drafts purge`, `flask --app wsgi billing drain`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import drafts as draft_store
from .billing_runner import drain_once
from .extensions import db

drafts_cli = AppGroup("drafts", help="Unfinished wizards.")
billing_cli = AppGroup("billing", help="Hand-off of enrollments to the billing system.")


@drafts_cli.command("purge")
@click.option("--batch", default=1000, show_default=True, help="Rows deleted per transaction.")
def purge_command(batch: int) -> None:
    """Delete drafts past their time to live. Safe to run at any time."""
    with db.sessionmaker(current_app)() as session:
        count = draft_store.purge(session, batch=batch)
    click.echo(f"Purged {count} expired draft(s).")


@billing_cli.command("drain")
def drain_command() -> None:
    """Send every enrollment waiting in the outbox, once, then exit."""
    report = drain_once(current_app)
    click.echo(f"Sent {report.sent} enrollment(s); {report.failed} could not be sent and will be retried.")


def register(app: Flask) -> None:
    """Attach the command groups to `app`."""
    from .migrate import db_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(drafts_cli)
    app.cli.add_command(billing_cli)
