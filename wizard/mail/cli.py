"""`flask --app wsgi mail drain` (send what is due, once) and `mail worker` (until SIGTERM)."""
from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from .runner import drain_once, run

mail_cli = AppGroup("mail", help="Customer mail: the outbox of confirmation, status and link emails.")


@mail_cli.command("drain")
def drain_command() -> None:
    """Send every message due now, once, then exit."""
    report = drain_once(current_app)
    click.echo(f"Sent {report.sent} message(s); {report.failed} could not be sent and will be retried"
               + (f"; {report.gave_up} given up." if report.gave_up else "."))


@mail_cli.command("worker")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to sleep when there is nothing to send.")
def worker_command(idle: float) -> None:
    """Send messages as they are queued until SIGTERM, then stop after the current one."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    total = run(current_app._get_current_object(), stop, idle)  # type: ignore[attr-defined]
    click.echo(f"Stopped. Sent {total.sent}; {total.failed} failed attempts; {total.gave_up} given up.")
