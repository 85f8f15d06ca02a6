"""Premises (marketing and operations): upload ERCOT's ESI ID extract, follow the import, see the result.

The upload is saved in the instance folder and imported by a thread of this process
(`wizard.core.background`), which writes its progress to the PremiseImport record: the progress page
(`progress`: any process, any host) reads it, polled by htmx or refreshed without JavaScript. The
import is one transaction: a server restart during it changes nothing, and the page says it stopped.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, redirect, url_for
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms.validators import ValidationError

from wizard.core.background import run_in_background
from wizard.core.extensions import db
from wizard.core.forms import SafeForm, options
from wizard.core.request_limits import accepts_upload
from wizard.premises import importer
from wizard.premises.models import PremiseImport

from .catalog_settings import Page
from .fields import form_page, require_file
from .guard import bp, requires, staff
from .progress import progress_page, stalled

TEMPLATE = "admin/premises/import.html"
#: Imports listed on the upload page.
RECENT = 20
#: A running import that has written no progress for this long has stopped (its process ended:
#: a restart, or gunicorn recycling the worker). Progress comes every 50,000 rows; the longest
#: silence is the end of a FULL import (the removals and the commit), well under a minute on
#: PostgreSQL for a statewide file.
STALLED_AFTER = dt.timedelta(minutes=10)


class PremiseUploadForm(SafeForm):
    """An extract file and whether it is a FULL or a daily one."""

    file = FileField("Extract file (CSV or ZIP)",
                     description="ERCOT's TDSP ESI ID extract as downloaded: a CSV file with its header row, or "
                                 "the ZIP file holding it. At most 512 MB; larger files: use the command line.",
                     render_kw={"accept": ".csv,.zip,.txt,text/csv,application/zip"})
    kind = RadioField("Kind of extract", default="auto", choices=options([
        ("auto", "From the file name (ERCOT's names contain FUL or DAILY)"),
        ("full", "FULL: every premise of its TDSP; that TDSP's premises missing from it are removed"),
        ("daily", "Daily: premises added or changed; none removed"),
    ]))

    def validate_file(self, field: FileField) -> None:
        """A file was chosen and it is not empty."""
        require_file(field, "Choose the extract file: a CSV file, or the ZIP file ERCOT publishes.",
                     "The file is empty. Choose the extract file again.")

    def validate_kind(self, field: RadioField) -> None:
        """From the file name only when the name says which it is."""
        upload = self.file.data
        name = getattr(upload, "filename", "") or ""
        if field.data == "auto" and name and importer.kind_from_name(name) is None:
            raise ValidationError("The file name does not say FUL or DAILY: choose FULL or Daily, "
                                  "then choose the file again.")

    def chosen_kind(self) -> str:
        return self.kind.data if self.kind.data in importer.KINDS else importer.kind_from_name(self.file.data.filename)


@bp.route("/premises", methods=["GET", "POST"])
@requires("marketing", "operations")
@accepts_upload(limit="PREMISE_UPLOAD_BYTES")
def premises() -> Page:
    """The upload form and the recent imports; a valid upload starts an import and shows its progress."""
    form = PremiseUploadForm()
    if form.validate_on_submit():
        import_id = start_upload(current_app._get_current_object(), form)  # type: ignore[attr-defined]
        return redirect(url_for("admin.premise_import", import_id=import_id), 303)
    imports = db.session.scalars(select(PremiseImport).order_by(PremiseImport.id.desc()).limit(RECENT)).all()
    return form_page("admin/premises/imports.html", form, title="Premises", imports=imports,
                     limit_mb=current_app.config["PREMISE_UPLOAD_BYTES"] // (1024 * 1024))


@bp.route("/premises/imports/<int:import_id>")
@requires("marketing", "operations")
def premise_import(import_id: int) -> Response:
    """One import: its progress while it runs (htmx polls it), then what it did."""
    record = db.session.get(PremiseImport, import_id) or abort(404)
    return progress_page(TEMPLATE, f"Import of {record.filename}", view_of(record))


def view_of(record: PremiseImport) -> dict[str, Any]:
    """What the import page shows of a record."""
    is_stalled = stalled(record.status == "running", record.updated_at, STALLED_AFTER)
    running = record.status == "running" and not is_stalled
    percent = min(100, record.bytes_read * 100 // record.bytes_total) if record.bytes_total else 0
    return {"record": record, "running": running, "stalled": is_stalled, "percent": percent,
            "unchanged": max(0, record.rows_loaded - record.rows_added - record.rows_changed)}


def start_upload(app: Flask, form: PremiseUploadForm) -> int:
    """Record the import, save the file in the instance folder, import it in a thread."""
    member = staff()
    upload = form.file.data
    kind = form.chosen_kind()
    factory = db.sessionmaker(app)
    import_id = importer.begin(factory, upload.filename, source="admin", kind=kind,
                               started_by=member.email if member else None)
    folder = Path(app.instance_path) / "premise-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{import_id}.upload"  # never the uploaded name: it is only shown
    try:
        upload.save(path)
    except OSError as exc:  # a full disk: the import page says so rather than waiting forever
        path.unlink(missing_ok=True)
        importer.finish(factory, import_id, "failed", f"The upload could not be saved on the server ({exc.strerror}). "
                                                      "Nothing was changed.")
        return import_id
    actor, actor_id = (member.email, member.id) if member else ("admin", None)

    def work() -> None:  # `stop_background` waits for it; the file is deleted afterwards
        try:
            importer.run(db.sessionmaker(app), import_id, path, kind=kind, actor=actor, actor_id=actor_id)
        finally:
            path.unlink(missing_ok=True)
    run_in_background(app, f"premise-import-{import_id}", work)
    return import_id
