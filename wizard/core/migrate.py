"""Schema migrations with Alembic, driven by the app's engine: `flask --app wsgi db ...`."""
from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Database schema migrations.")


def alembic_config(app: Flask) -> Config:
    """Alembic configuration bound to `app`'s engine (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine(app)
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest)."""
    command.upgrade(alembic_config(app), revision)


def heads() -> set[str]:
    """The newest revision(s) in the migrations folder."""
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def current_revisions(app: Flask) -> set[str]:
    """The revision(s) the database is at."""
    with db.engine(app).connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def at_head(app: Flask) -> bool:
    """True when the database is migrated to the newest revision."""
    return current_revisions(app) == heads()


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Migrate the database to REVISION (default head), then load the catalog if it is empty."""
    from wizard.catalog.offers import load_catalog

    upgrade(current_app, revision)
    with db.sessionmaker(current_app)() as session:
        loaded = load_catalog(session, current_app.config["CATALOG_FILE"])
    click.echo(f"Database at {', '.join(sorted(current_revisions(current_app)))}"
               + ("; catalog loaded." if loaded else "."))


@db_cli.command("current")
def current_command() -> None:
    """Show the database's revision and whether it is the newest."""
    click.echo(f"{', '.join(sorted(current_revisions(current_app))) or 'empty'}"
               f" ({'at head' if at_head(current_app) else 'behind head ' + ', '.join(sorted(heads()))})")


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(current_app), message=message, autogenerate=True)
