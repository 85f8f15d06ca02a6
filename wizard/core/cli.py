"""Command-line tasks: `flask --app wsgi drafts purge`, `flask --app wsgi billing drain`; `register`
attaches these and the features' own groups (db, mail, premises)."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

import billing
from wizard.signup import drafts as draft_store

from .billing_runner import drain_once
from .billing_runner import settings as billing_settings
from .billing_runner import worker as billing_worker
from .extensions import db

drafts_cli = AppGroup("drafts", help="Unfinished wizards.")
catalog_cli = AppGroup("catalog", help="The plan catalog and service areas.")
billing_cli = AppGroup("billing", help="Hand-off of enrollments to the billing system.")
staff_cli = AppGroup("staff", help="Staff accounts of the admin area.")


@drafts_cli.command("purge")
@click.option("--batch", default=1000, show_default=True, help="Rows deleted per transaction.")
def purge_command(batch: int) -> None:
    """Delete drafts past their time to live. Safe to run at any time."""
    with db.sessionmaker(current_app)() as session:
        count = draft_store.purge(session, batch=batch)
    click.echo(f"Purged {count} expired draft(s).")


@catalog_cli.command("import-zips")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_zips_command(csv_file) -> None:
    """Import the ZIP-to-utility map from CSV_FILE (header zip,utility): all rows or none."""
    from wizard.admin.audit import record
    from wizard.catalog.zip_import import import_zips
    from wizard.signup.waitlist import notify_served

    from wizard.mail.links import NoSiteUrl

    notified, not_notified = 0, ""
    with db.sessionmaker(current_app)() as session:
        report = import_zips(session, csv_file, commit=False)
        if report.ok:
            try:  # in the import's transaction: told exactly when their ZIP is served
                notified = notify_served(session)
            except NoSiteUrl as exc:
                not_notified = str(exc)
        if report.ok and (report.added or report.removed):  # as the admin upload: changes only
            record(session, actor="command line", action="import", entity_type="service_area",
                   entity_id=csv_file.name[-64:], after={"zips": report.zips, "added": report.added,
                                                         "removed": report.removed, "unchanged": report.unchanged})
        if report.ok and (report.added or report.removed or notified):
            session.commit()
    if not report.ok:
        for error in report.errors:
            click.echo(str(error), err=True)
        count = len(report.errors)
        raise click.ClickException(f"Nothing imported: {count} problem{'' if count == 1 else 's'} in {csv_file.name}.")
    click.echo(f"Imported {report.zips} ZIP code(s): {report.added} pair(s) added, {report.removed} removed, "
               f"{report.unchanged} unchanged.")
    if notified:
        click.echo(f"Emailing {notified} person(s) on the wait list: we serve their ZIP code now.")
    if not_notified:
        click.echo(f"The wait list was not emailed: {not_notified} Whoever waits for a ZIP code served now "
                   "is emailed at the next import.", err=True)


@billing_cli.command("drain")
def drain_command() -> None:
    """Deliver every enrollment due in the outbox and poll due statuses, once, then exit."""
    report = drain_once(current_app)
    click.echo(f"Sent {report.sent} enrollment(s); {report.failed} could not be sent and will be retried"
               + (f"; {report.on_hold} put On Hold." if report.on_hold else "."))


@billing_cli.command("worker")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to sleep when there is nothing to do.")
def worker_command(idle: float) -> None:
    """Deliver and poll until SIGTERM, then stop after the current enrollment."""
    w = billing_worker(current_app, idle_seconds=idle)
    w.handle_signals()
    total = w.run()
    click.echo(f"Stopped. Sent {total.sent}; {total.failed} failed attempts; {total.on_hold} put On Hold.")


@billing_cli.command("poll")
def poll_command() -> None:
    """Ask the billing system now about every enrollment awaiting an answer."""
    s = billing_settings(current_app)
    changed = billing.poll_statuses(db.sessionmaker(current_app), billing.make_billing_system(s), s, force=True)
    click.echo(f"{changed} enrollment(s) changed status.")


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["marketing", "operations", "admin"]), required=True,
              help="marketing: plans, promos, catalog; operations: enrollment queue; admin: everything.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
def staff_create_command(email: str, role: str, password_stdin: bool) -> None:
    """Create a staff account that signs in at /admin/ with EMAIL and a password."""
    from wizard.admin.staff_accounts import StaffError, create_staff

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")  # click.get_text_stream is deprecated (Click 8.5)
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with db.sessionmaker(current_app)() as session:
        try:
            staff = create_staff(session, email, role, password, actor="command line")
        except StaffError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        click.echo(f"Created {role} account {staff.email}. Sign in at /admin/.")


def register(app: Flask) -> None:
    """Attach the command groups to `app`."""
    from .migrate import db_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(drafts_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(billing_cli)
    from wizard.mail.cli import mail_cli

    app.cli.add_command(mail_cli)
    app.cli.add_command(staff_cli)
    from wizard.premises.cli import premises_cli

    app.cli.add_command(premises_cli)
    from wizard.api.cli import api_cli

    app.cli.add_command(api_cli)
