"""The Sales Importer's admin pages (operations): upload a file, follow its check, read its problems
by line and column, choose all-or-nothing or valid rows only, follow the import, read the result.

A file that cannot be a sales file (not CSV, empty, a wrong header, too large) is refused on the
upload page with what to do; nothing is kept. An accepted file is kept encrypted on its record and
checked, then imported, by threads of this process (`wizard.core.background`), each writing its
progress to the record for the progress page (`wizard.admin.progress`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_wtf.file import FileField
from sqlalchemy import select, update
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms.validators import InputRequired, ValidationError

from wizard.admin.catalog_settings import Page
from wizard.admin.fields import form_page, require_file
from wizard.admin.guard import bp, record, requires, staff
from wizard.admin.progress import progress_page, stalled
from wizard.core.background import run_in_background
from wizard.core.extensions import db
from wizard.core.forms import SafeForm, options
from wizard.core.models import utcnow
from wizard.core.request_limits import accepts_upload

from . import columns, runner
from .models import ALL, CHECKED, CHECKING, DISCARDED, RUNNING, VALID, SalesImport
from .rows import PLANS

TEMPLATE = "admin/sales_imports/import.html"
RECENT = 20
#: Progress comes every 100 rows, a few seconds apart at most: silence this long means the thread ended.
STALLED_AFTER = dt.timedelta(minutes=5)


class UploadForm(SafeForm):
    """A sales file and whose plans its sales are on."""

    file = FileField("Sales file (CSV)",
                     description="A CSV file whose first line names the columns (listed below). At most 20 MB.",
                     render_kw={"accept": ".csv,.txt,text/csv"})
    plans = RadioField("Which plans are these sales on?", choices=options(PLANS.items()),
                       validators=[InputRequired("Choose which plans the sales are on.")])

    #: The file's rows once read (None: not valid).
    sheet: columns.Sheet | None = None

    def validate_file(self, field: FileField) -> None:
        """A CSV file of sales: its header names the columns the importer needs."""
        upload = require_file(field, "Choose the CSV file of sales.",
                              "The file is empty. Choose the CSV file of sales: its first line names the columns.")
        data = upload.stream.read()
        try:
            self.sheet = columns.read(data, current_app.config["SALES_IMPORT_MAX_ROWS"])
        except columns.Refused as refused:
            raise ValidationError(str(refused)) from None


class ImportForm(SafeForm):
    """All-or-nothing, or the valid rows only."""

    mode = RadioField("How to import", choices=options([
        (ALL, "All or nothing: every sale, or none while any row has a problem"),
        (VALID, "Valid rows only: the sales without problems; the others are left out"),
    ]), validators=[InputRequired("Choose how to import: all or nothing, or the valid rows only.")])


@bp.route("/sales-imports", methods=["GET", "POST"])
@requires("operations")
@accepts_upload(limit="SALES_IMPORT_UPLOAD_BYTES")
def sales_imports() -> Page:
    """The upload form and the recent imports; a valid upload starts its check and shows its progress."""
    form = UploadForm()
    if form.validate_on_submit():
        import_id = start_check(current_app._get_current_object(), form)  # type: ignore[attr-defined]
        return redirect(url_for("admin.sales_import", import_id=import_id), 303)
    imports = db.session.scalars(select(SalesImport).order_by(SalesImport.id.desc()).limit(RECENT)).all()
    return form_page("admin/sales_imports/imports.html", form, title="Sales imports", imports=imports,
                     columns=columns, limit_mb=current_app.config["SALES_IMPORT_UPLOAD_BYTES"] // (1024 * 1024))


@bp.route("/sales-imports/<int:import_id>")
@requires("operations")
def sales_import(import_id: int) -> Response:
    """One file: its check's progress, its problems and the choice of import, then the import's result."""
    record = db.session.get(SalesImport, import_id) or abort(404)
    return progress_page(TEMPLATE, f"Sales file {record.filename}", view_of(record, ImportForm()))


@bp.route("/sales-imports/<int:import_id>/import", methods=["POST"])
@requires("operations")
def sales_import_start(import_id: int) -> Response | Page:
    """Import a checked file as chosen; all-or-nothing is refused while any row has a problem."""
    record = db.session.get(SalesImport, import_id) or abort(404)
    form = ImportForm()
    if form.validate_on_submit():
        if form.mode.data == ALL and record.rows_invalid:
            form.mode.errors = [f"All or nothing imports nothing while any row has a problem, and {record.rows_invalid:,} "
                                f"{'row has' if record.rows_invalid == 1 else 'rows have'} one. Fix them and upload "
                                "the file again, or import the valid rows only."]
        else:
            start_import(current_app._get_current_object(), record, form.mode.data)  # type: ignore[attr-defined]
            return redirect(url_for("admin.sales_import", import_id=import_id), 303)
    context = view_of(record, form)
    del context["form"]
    return form_page(TEMPLATE, form, title=f"Sales file {record.filename}", **context)


def view_of(record: SalesImport, form: ImportForm) -> dict[str, Any]:
    """What the page shows of a record."""
    is_stalled = stalled(record.status in RUNNING, record.updated_at, STALLED_AFTER)
    running = record.status in RUNNING and not is_stalled
    done = record.rows_checked if record.status == CHECKING else record.rows_done
    of = record.rows_total if record.status == CHECKING else max(
        0, record.rows_total - record.rows_invalid - record.rows_already)
    return {"record": record, "running": running, "stalled": is_stalled, "form": form, "done": done, "of": of,
            "percent": min(100, done * 100 // of) if of else 0,
            "ready": max(0, record.rows_total - record.rows_invalid - record.rows_already),
            "may_import": record.status == CHECKED}


def start_check(app: Flask, form: UploadForm) -> int:
    """Keep the file (encrypted) on a new record and check it in a thread; answer the record's id."""
    member = staff()
    assert form.sheet is not None  # nosec B101: validated
    import_id = runner.begin(app, form.file.data.filename or "", form.plans.data,
                             member.email if member else "admin", form.sheet)
    site = request.host_url
    run_in_background(app, f"sales-check-{import_id}", lambda: runner.check(app, import_id, site))
    return import_id


def start_import(app: Flask, record: SalesImport, mode: str) -> None:
    """Import the checked file in a thread (once, whoever asks twice)."""
    member = staff()
    actor, actor_id = (member.email, member.id) if member else ("admin", None)
    import_id, site = record.id, request.host_url
    if runner.claim(app, import_id, mode, actor):
        run_in_background(app, f"sales-import-{import_id}",
                          lambda: runner.run_import(app, import_id, actor, actor_id, site))


@bp.route("/sales-imports/<int:import_id>/discard", methods=["POST"])
@requires("operations")
def sales_import_discard(import_id: int) -> Response:
    """Leave a checked file unimported: its rows (personal data) are deleted at once."""
    done = db.session.execute(update(SalesImport).where(SalesImport.id == import_id, SalesImport.status == CHECKED)
                              .values(status=DISCARDED, content=None, finished_at=utcnow(), updated_at=utcnow(),
                                      message="Discarded: nothing was imported, and the file's rows were deleted."))
    if done.rowcount == 1:  # type: ignore[attr-defined]
        record("discard", "sales_import", str(import_id))
    db.session.commit()
    return redirect(url_for("admin.sales_import", import_id=import_id), 303)
