"""The Sales Importer: operations upload a CSV of sales, read its problems by line and column, and import
it all-or-nothing or its valid rows only, once (the same file again makes nothing new); files that are
not sales files are refused plainly; a thousand rows with mistakes mixed in; billing receives each sale once."""
from __future__ import annotations

import codecs
import html as markup
import io
import re
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from billing.models import Enrollment, OutboxItem
from wizard.admin.models import AuditEntry
from wizard.core.background import join_all
from wizard.sales_import import sample_files
from wizard.sales_import.columns import COLUMNS
from wizard.sales_import.models import SalesImport

from wizard.core.billing_runner import drain_once

from .admin_helpers import signed_in
from .billing_fixtures import StandInProcess


def csv_bytes(rows: list[dict[str, str]], columns=COLUMNS, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    out.write(delimiter.join(columns) + "\r\n")
    for row in rows:
        out.write(delimiter.join(row.get(c, "") for c in columns) + "\r\n")
    return out.getvalue().encode()


def upload(admin, content: bytes, name: str = "sales.csv", plans: str = "web"):
    if not admin._token:
        admin.get("/admin/")
    # Encoded here, in memory: the test client spools a body over 500 KB to a temporary file it never closes.
    boundary, body = encode_multipart({"csrf_token": admin._token, "plans": plans,
                                       "file": FileStorage(io.BytesIO(content), name, content_type="text/csv")})
    return admin.client.post("/admin/sales-imports", data=body,
                             content_type=f"multipart/form-data; boundary={boundary}")


def page_after(app, admin, location: str) -> str:
    """The import's page once its thread has finished."""
    join_all(app, timeout=600)
    page = admin.get(location)
    assert page.status_code == 200, page.status_code
    return page.text


def checked(app, admin, content: bytes, **kw) -> tuple[str, str]:
    """Upload, wait for the check; answer the page's path and text."""
    response = upload(admin, content, **kw)
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert re.fullmatch(r"/admin/sales-imports/\d+", location)
    return location, page_after(app, admin, location)


def imported(app, admin, location: str, mode: str) -> str:
    response = admin.post(f"{location}/import", {"mode": mode})
    assert response.status_code == 303, response.text
    return page_after(app, admin, location)


def text(html: str) -> str:
    """The page's words, tags dropped and white space collapsed."""
    return markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".").strip())


def problems(html: str) -> list[tuple[str, str, str]]:
    """(line, column, problem) of the problems table."""
    table = html.split('id="problems"', 1)[1].split("</table>", 1)[0]
    return [(line, re.sub(r"<[^>]+>", "", column), markup.unescape(message)) for line, column, message in re.findall(
        r'<tr><th scope="row" class="num">(\d+)</th><td>(.*?)</td><td>(.*?)</td></tr>', table)]


def enrollments(session) -> list[Enrollment]:
    session.expire_all()
    return session.scalars(select(Enrollment).order_by(Enrollment.id)).all()


# --- importing ------------------------------------------------------------------------------------------------------

def test_a_file_of_good_sales_imports_them_once(app, session):
    admin = signed_in(app, "operations")
    content = csv_bytes(sample_files.rows(3))
    location, page = checked(app, admin, content, name="vendor-2026-12-06.csv")
    assert "Checked: 3 sales: 3 ready to import." in text(page)
    assert enrollments(session) == []  # the check writes nothing

    page = imported(app, admin, location, "all")
    assert "Imported: 3 new enrollments." in text(page)
    made = enrollments(session)
    assert [e.submission_key for e in made] == ["import:file:S0000001", "import:file:S0000002", "import:file:S0000003"]
    assert {e.channel for e in made} == {"import"}
    import_id = location.rsplit("/", 1)[1]
    assert [e.made_by for e in made] == [f"import {import_id} line {n}" for n in (2, 3, 4)]
    assert [(e.consent["method"], e.consent["reference"]) for e in made] == [
        ("phone", "TPV-0000001"), ("phone", "TPV-0000002"), ("signed_contract", "TPV-0000003")]
    assert session.scalar(select(func.count()).select_from(OutboxItem)) == 3  # on their way to billing
    record = session.get(SalesImport, int(import_id))
    assert (record.status, record.rows_imported, record.content) == ("done", 3, None)  # the rows are gone
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "sales_import")).one()
    assert (entry.actor, entry.after["imported"], entry.after["mode"]) == ("operations@example.com", 3, "all")

    # The same file again: every sale already imported, nothing new.
    again, page = checked(app, admin, content, name="vendor-2026-12-06.csv")
    assert "Checked: 3 sales: 0 ready to import, 3 already imported." in text(page)
    assert f"Already imported: enrollment {made[0].number}" in page
    assert "No sale of this file can be imported." in text(page)
    assert len(enrollments(session)) == 3
    listing = admin.get("/admin/sales-imports").text
    assert listing.count("vendor-2026-12-06.csv") == 2


def test_problems_are_listed_by_line_and_column_and_nothing_is_written(app, session):
    admin = signed_in(app, "operations")
    rows = sample_files.rows(14, bad_every=2)  # lines 3, 5, ... 15 each have one mistake
    rows.append({**sample_files.sale(1), "sale_id": "S0000001"})  # line 16: the sale of line 2 again
    location, page = checked(app, admin, csv_bytes(rows))
    assert "Checked: 15 sales: 7 ready to import, 8 with problems." in text(page)
    found = problems(page)
    by_line = {line: column for line, column, _ in found}
    assert by_line == {"3": "email", "5": "esi_id", "7": "date_of_birth", "9": "plan", "11": "consent_method",
                       "13": "zip", "15": "phone", "16": "sale_id"}
    messages = {line: message for line, _, message in found}
    assert "phone" in messages["11"] and "signed_contract" in messages["11"]
    assert messages["16"] == "The sale S0000001 is also on line 2: each sale once per file."
    assert enrollments(session) == []


def test_all_or_nothing_refuses_a_file_with_one_bad_row_and_writes_nothing(app, session):
    admin = signed_in(app, "operations")
    rows = sample_files.rows(4)
    rows[2]["email"] = "nobody-at-example.com"  # line 4
    location, page = checked(app, admin, csv_bytes(rows))
    assert problems(page)[0][:2] == ("4", "email")

    refused = admin.post(f"{location}/import", {"mode": "all"})
    assert refused.status_code == 422
    assert ("All or nothing imports nothing while any row has a problem, and 1 row has one. Fix them and upload "
            "the file again, or import the valid rows only.") in text(refused.text)
    join_all(app, timeout=60)
    assert enrollments(session) == []
    session.expire_all()
    assert session.get(SalesImport, int(location.rsplit("/", 1)[1])).status == "checked"


def test_valid_rows_only_imports_the_rest(app, session):
    admin = signed_in(app, "operations")
    rows = sample_files.rows(4)
    rows[2]["esi_id"] = "99999"  # line 4
    location, _ = checked(app, admin, csv_bytes(rows))
    page = imported(app, admin, location, "valid")
    assert "Imported: 3 new enrollments, 1 with problems not imported." in text(page)
    assert [e.submission_key for e in enrollments(session)] == [
        "import:file:S0000001", "import:file:S0000002", "import:file:S0000004"]
    assert problems(page)[0][:2] == ("4", "esi_id")

    # Fixed and uploaded again: only the fixed sale is new.
    rows[2]["esi_id"] = sample_files.sale(3)["esi_id"]
    location, page = checked(app, admin, csv_bytes(rows))
    assert "Checked: 4 sales: 1 ready to import, 3 already imported." in text(page)
    page = imported(app, admin, location, "all")
    assert "Imported: 1 new enrollment, 3 already imported before." in text(page)
    assert len(enrollments(session)) == 4


def test_plans_are_the_channel_staff_chose(app, session):
    admin = signed_in(app, "operations")
    agent = [{**sample_files.sale(1), "plan": "SAVER12"}, {**sample_files.sale(2), "plan": "PHONE12"}]  # line 3: agents' only
    _, page = checked(app, admin, csv_bytes(agent), plans="web")
    assert [(line, column) for line, column, _ in problems(page)] == [("3", "plan")]
    location, page = checked(app, admin, csv_bytes(agent), plans="agent")
    assert "2 ready to import" in text(page)
    imported(app, admin, location, "all")
    assert [e.plan_code for e in enrollments(session)] == ["SAVER12", "PHONE12"]

    partner = sample_files.rows(2, plans="partner", partner="acme", first=10)
    partner[1]["partner"] = ""  # line 3: whose plans?
    location, page = checked(app, admin, csv_bytes(partner), plans="partner")
    assert problems(page) == [("3", "partner", "This file's sales are on their partner's plans: give the "
                                               "partner's code.")]
    imported(app, admin, location, "valid")
    made = enrollments(session)[-1]
    assert (made.plan_code, made.affiliate_code, made.submission_key) == ("PARTNER12", "ACME", "import:ACME:S0000010")


def test_a_thousand_sales_with_mistakes_mixed_in(app, session, tmp_path):
    """A large file completes with the right counts and lines (the time is printed, not asserted).
    10,000 rows take minutes on 2 cores, so that size is measured by bench/sales_import.py."""
    admin = signed_in(app, "operations")
    path = sample_files.write(tmp_path / "sales.csv", sample_files.rows(1_000, bad_every=50))
    started = time.perf_counter()
    location, page = checked(app, admin, path.read_bytes())
    checked_in = time.perf_counter() - started
    assert "Checked: 1,000 sales: 980 ready to import, 20 with problems." in text(page)
    lines = {int(line) for line, _, _ in problems(page)}
    assert lines == set(sample_files.bad_lines(1_000, 50))
    started = time.perf_counter()
    page = imported(app, admin, location, "valid")
    imported_in = time.perf_counter() - started
    assert "Imported: 980 new enrollments, 20 with problems not imported." in text(page)
    assert session.scalar(select(func.count()).select_from(Enrollment)) == 980
    print(f"\n1,000 sales on {session.bind.dialect.name}: checked in {checked_in:.1f} s "
          f"({1_000 / checked_in:,.0f} rows/s), imported in {imported_in:.1f} s ({980 / imported_in:,.0f} rows/s)")


def test_an_imported_sale_reaches_the_billing_system_once(make_app, session):
    standin = StandInProcess(accept_after=0.3).start()
    try:
        app = make_app(BILLING_ADAPTER="web_service", BILLING_URL=standin.url)
        admin = signed_in(app, "operations")
        content = csv_bytes(sample_files.rows(3))
        location, _ = checked(app, admin, content)
        imported(app, admin, location, "valid")
        location, page = checked(app, admin, content)  # the same file again: nothing new
        assert "3 already imported" in text(page)
        for _ in range(3):
            drain_once(app)
        assert standin.stats()["prospects_created"] == 3
        made = enrollments(session)
        assert len(made) == 3 and {e.channel for e in made} == {"import"}
        assert standin.received(made[0].number)["channel"] == "import"
    finally:
        standin.stop()


# --- files that are not sales files -------------------------------------------------------------------------------

GOOD = sample_files.rows(1)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty. Choose the CSV file of sales: its first line names the columns."),
    (b"\r\n\r\n", "The file is empty."),
    (csv_bytes([]), "The file has its header but no sales: each line after the first is one sale."),
    (csv_bytes(GOOD, columns=[c for c in COLUMNS if c not in ("sale_id", "plan")]),
     "The first line (the header) is not a sales file's: missing required columns: sale_id, plan."),
    (csv_bytes(GOOD, columns=[*COLUMNS, "emial"]), "a column the importer does not know: emial"),
    (csv_bytes(GOOD, columns=[*COLUMNS, "zip"]), "a column named twice: zip"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "This is a ZIP file or an Excel workbook (.xlsx), not a CSV file."),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "This is a PDF document, not a CSV file."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a text file (it holds NUL bytes)"),
    (b"ESIID,ADDRESS,CITY\n10443720001234567,1 MAIN ST,DALLAS\n", "missing required columns: sale_id, consent_method"),
], ids=["empty", "blank-lines", "header-only", "missing-columns", "unknown-column", "repeated-column", "xlsx", "pdf",
        "binary", "another-file"])
def test_a_file_that_is_not_a_sales_file_is_refused_plainly(app, session, content, message):
    admin = signed_in(app, "operations")
    response = upload(admin, content)
    assert response.status_code == 422
    assert message in text(response.text)
    assert 'aria-describedby="file-hint file-error"' in response.text  # the message is the field's
    assert session.scalars(select(SalesImport)).all() == []


def test_other_encodings_and_delimiters_are_read(app, session):
    admin = signed_in(app, "operations")
    row = {**GOOD[0], "first_name": "José", "last_name": "Muñoz"}
    for content in (csv_bytes([row]).decode().encode("cp1252"),  # Excel's plain "CSV"
                    codecs.BOM_UTF16_LE + csv_bytes([row], delimiter="\t").decode().encode("utf-16-le"),  # "Unicode text"
                    codecs.BOM_UTF8 + csv_bytes([row], delimiter=";")):  # "CSV UTF-8" where the decimal sign is ","
        _, page = checked(app, admin, content)
        assert "Checked: 1 sale: 1 ready to import." in text(page), text(page)[:2000]
    location, _ = checked(app, admin, csv_bytes([row]).decode().encode("cp1252"))
    imported(app, admin, location, "all")
    customer = enrollments(session)[0].customer
    assert (customer.first_name, customer.last_name) == ("José", "Muñoz")


def test_a_line_with_a_missing_value_is_a_problem_of_its_line(app, session):
    admin = signed_in(app, "operations")
    content = csv_bytes(sample_files.rows(2)) + b"S9,phone,TPV-9,,75201\r\n"
    location, page = checked(app, admin, content)
    assert problems(page) == [("4", "(the row)", f"This line has 5 values but the header names {len(COLUMNS)} "
                                                "columns: check for a missing or extra comma, or an unclosed quote.")]
    page = imported(app, admin, location, "valid")
    assert "Imported: 2 new enrollments, 1 with problems not imported." in text(page)


def test_an_upload_over_the_limit_is_refused_plainly(make_app):
    app = make_app(SALES_IMPORT_UPLOAD_BYTES=2048)
    admin = signed_in(app, "operations")
    response = upload(admin, csv_bytes(sample_files.rows(20)))
    assert response.status_code == 413 and "sales files 20 MB" in response.text


def test_too_many_rows_are_refused(make_app):
    app = make_app(SALES_IMPORT_MAX_ROWS=5)
    admin = signed_in(app, "operations")
    response = upload(admin, csv_bytes(sample_files.rows(6)))
    assert response.status_code == 422
    assert "The file has more than 5 sales: split it into files of at most 5 rows." in text(response.text)


def test_a_file_must_be_chosen_and_its_plans_said(app, session):
    admin = signed_in(app, "operations")
    response = admin.post("/admin/sales-imports", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the CSV file of sales." in response.text
    assert "Choose which plans the sales are on." in response.text


# --- the pages ------------------------------------------------------------------------------------------------------

def test_only_operations_and_admins_may_import_sales(app):
    assert '>Sales imports</a>' in signed_in(app, "operations").get("/admin/").text
    assert '>Sales imports</a>' in signed_in(app, "admin").get("/admin/").text
    marketing = signed_in(app, "marketing")
    assert '>Sales imports</a>' not in marketing.get("/admin/").text
    assert marketing.get("/admin/sales-imports").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/admin/sales-imports").headers["Location"].startswith("/admin/login")


def test_a_running_check_shows_its_progress_and_refreshes_itself(app, session):
    admin = signed_in(app, "operations")
    record = SalesImport(filename="big.csv", plans="web", started_by="ops@example.com", rows_total=10_000,
                         rows_checked=2_500, rows_invalid=12)
    session.add(record)
    session.commit()
    page = admin.get(f"/admin/sales-imports/{record.id}").text
    assert "Checking the sales. This page updates itself" in page
    assert '<meta http-equiv="refresh" content="3">' in page and 'hx-trigger="every 2s"' in page
    assert "2,500 of 10,000 rows checked, 12 with problems so far." in page
    assert 'value="25"' in page
    partial = admin.get(f"/admin/sales-imports/{record.id}", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text

    record.status, record.rows_checked, record.message = "checked", 10_000, "10,000 sales: 9,988 ready to import, 12 with problems."
    session.commit()
    done = admin.get(f"/admin/sales-imports/{record.id}", headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling
    assert 'hx-swap-oob="true"' in done.text and "Checked: 10,000 sales" in done.text


def test_a_checked_file_may_be_discarded(app, session):
    admin = signed_in(app, "operations")
    location, _ = checked(app, admin, csv_bytes(sample_files.rows(2)))
    response = admin.post(f"{location}/discard")
    assert response.status_code == 303
    page = admin.get(location).text
    assert "Not imported: discarded." in page and 'action="' + location + '/import"' not in page
    session.expire_all()
    assert session.get(SalesImport, int(location.rsplit("/", 1)[1])).content is None
    assert admin.post(f"{location}/import", {"mode": "valid"}).status_code == 303  # too late: nothing to import
    join_all(app, timeout=60)
    assert enrollments(session) == []
