"""`flask --app wsgi premises import FILE... [--full|--daily]`: ERCOT's extract files, in order."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup

from wizard.core.extensions import db

from . import importer
from .models import PremiseImport

premises_cli = AppGroup("premises", help="Texas premises (ESI IDs) from ERCOT's TDSP ESI ID extract.")

#: Bad rows printed after an import (all are counted; the record keeps the first 100).
SHOWN_ERRORS = 20


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


class _Progress:
    """Prints a line each time another tenth of the file has been read."""

    def __init__(self) -> None:
        self.tenths = 0

    def __call__(self, record: PremiseImport) -> None:
        if record.status != "running" or not record.bytes_total:
            return
        tenths = min(10, record.bytes_read * 10 // record.bytes_total)
        if tenths > self.tenths:
            self.tenths = tenths
            click.echo(f"  {tenths * 10:3d}% read: {record.rows_read:,} rows, {record.rows_bad:,} bad")


def report(record: PremiseImport) -> None:
    """The result of one import: what changed, and the first bad rows by line."""
    if record.status != "done":
        click.echo(f"Not imported: {record.message}", err=True)
        return
    click.echo(f"Imported: {record.message}")
    if record.rows_bad:
        shown = record.errors[:SHOWN_ERRORS]
        click.echo(f"Bad rows ({record.rows_bad:,}; the first {len(shown)} by line):" if record.rows_bad > len(shown)
                   else f"Bad rows ({record.rows_bad:,}), by line:")
        for error in shown:
            click.echo(f"  line {error['line']}: {error['message']}")


@premises_cli.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--full", "kind", flag_value=importer.FULL,
              help="The files are FULL extracts: each replaces the premises of its TDSP.")
@click.option("--daily", "kind", flag_value=importer.DAILY,
              help="The files are daily extracts: their premises are added or updated, none removed.")
def import_command(files: tuple[Path, ...], kind: Optional[str]) -> None:
    """Import ERCOT TDSP ESI ID extract FILES (CSV, or a .zip holding one), in the order given.

    Without --full or --daily the kind comes from each file's name (ERCOT's contain FUL or
    DAILY). Each file is one transaction; the import stops at the first file that cannot be
    imported, so later daily files are never applied on top of a missing one.
    """
    factory = db.sessionmaker(current_app)
    for n, path in enumerate(files):
        file_kind = kind or importer.kind_from_name(path.name)
        if file_kind is None:
            raise click.ClickException(importer.unknown_kind(path.name) + _not_imported(files[n + 1:]))
        click.echo(f"Importing {path.name} ({'FULL' if file_kind == importer.FULL else 'daily'}, "
                   f"{megabytes(path.stat().st_size)})")
        record = importer.import_file(factory, path, kind=file_kind, source="cli", listener=_Progress())
        report(record)
        if record.status != "done":
            raise click.ClickException(f"{path.name} was not imported." + _not_imported(files[n + 1:]))


def _not_imported(rest: tuple[Path, ...]) -> str:
    return f" Not imported either: {', '.join(p.name for p in rest)}." if rest else ""
