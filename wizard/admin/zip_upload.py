"""Marketing: the ZIP-to-utility map upload: one CSV file, every line checked, all or nothing."""
from __future__ import annotations

import csv
from typing import Any

from flask import flash, redirect, url_for
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from wizard.catalog.zip_import import MAX_ERRORS, import_zips
from wizard.core.extensions import db
from wizard.core.forms import SafeForm
from wizard.core.request_limits import accepts_upload
from wizard.signup.waitlist import notify_served

from .catalog_settings import Page
from .fields import form_page
from .guard import bp, record, requires

#: Errors of a refused ZIP file shown on the page; the total is always given.
SHOWN_ERRORS = 50


class ZipUploadForm(SafeForm):
    """A CSV file with the header zip,utility."""

    file = FileField("ZIP map file (CSV)", description="First line zip,utility; then one ZIP and utility code "
                                                       "per line. ZIPs in the file get exactly the utilities listed.",
                     render_kw={"accept": ".csv,text/csv"})

    def validate_file(self, field: FileField) -> None:
        """A non-empty UTF-8 text file."""
        upload = field.data
        data = upload.read() if upload and hasattr(upload, "read") else b""
        if not data.strip():
            raise ValidationError("Choose a CSV file that is not empty (first line zip,utility).")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file is not UTF-8 text. Save it as \u201cCSV UTF-8\u201d and upload it again.") from None
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")  # any line ending, as the CLI reads files


@bp.route("/catalog/zip-map", methods=["GET", "POST"])
@requires("marketing")
@accepts_upload
def zip_upload() -> Page:
    """Import the ZIP-to-utility map from an uploaded CSV: every line checked, all or nothing."""
    form = ZipUploadForm()
    if form.validate_on_submit():
        try:
            report = import_zips(db.session, form.text, commit=False)
        except csv.Error as error:
            db.session.rollback()
            form.file.errors.append(f"The file is not readable as CSV ({error}). Check it and upload it again.")
        else:
            if report.ok:
                return _imported(report)
            # The import stops checking after MAX_ERRORS problems and says so in one more entry.
            total = f"more than {MAX_ERRORS}" if len(report.errors) > MAX_ERRORS else str(len(report.errors))
            noun = "problem" if total == "1" else "problems"
            form.file.errors.append(f"Nothing imported: {total} {noun} in the file. "
                                    "Correct the lines listed in the table and upload it again.")
            return form_page("admin/catalog/zip_upload.html", form, title="ZIP map upload",
                              errors=report.errors[:SHOWN_ERRORS], total=total)
    return form_page("admin/catalog/zip_upload.html", form, title="ZIP map upload", errors=[], total="0")


def _imported(report: Any) -> Response:
    counts = {"zips": report.zips, "added": report.added, "removed": report.removed, "unchanged": report.unchanged}
    # In the import's transaction: the people waiting for a ZIP served now are emailed exactly once.
    notified = notify_served(db.session)
    told = f" Emailing {notified} person(s) on the wait list: we serve their ZIP code now." if notified else ""
    if report.added or report.removed:
        record("import", "service_area", "zip-map", None, counts)
        db.session.commit()
        flash(f"Imported {report.zips} ZIP code(s): {report.added} pair(s) added, {report.removed} removed, "
              f"{report.unchanged} unchanged.{told}", "success")
    else:
        db.session.commit()
        flash(f"Nothing changed: all {report.unchanged} pair(s) for the {report.zips} ZIP code(s) in the file "
              f"were already in place.{told}", "success")
    return redirect(url_for("admin.zip_upload"), 303)
