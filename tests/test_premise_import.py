"""Importing ERCOT's TDSP ESI ID extract: FULL and daily files, zipped or not, bad rows by line, a wrong
header refused; the command line, the admin's upload with its progress page, the demo premises."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wizard.admin.models import AuditEntry
from wizard.core.extensions import db
from wizard.premises import importer
from wizard.premises.extract import COLUMNS
from wizard.premises.models import Premise, PremiseImport

from .admin_helpers import csrf_of, signed_in

#: Two TDSPs of their own (the demo premises use the real TDSPs' DUNS and must stay untouched).
TDSP_A, TDSP_B = "111111111", "222222222"
HEADER = list(COLUMNS)


def row(esi: str, address: str, duns: str = TDSP_A, zip_code: str = "75201", status: str = "Active",
        **changes: str) -> list[str]:
    """One extract row in ERCOT's column order."""
    values = {"ESIID": esi, "ADDRESS": address, "ADDRESS_OVERFLOW": "", "CITY": "DALLAS", "STATE": "TX",
              "ZIPCODE": zip_code, "DUNS": duns, "METER_READ_CYCLE": "07", "STATUS": status,
              "PREMISE_TYPE": "Residential", "POWER_REGION": "NORTH", "STATIONCODE": "S100",
              "STATIONNAME": "DALLAS SUB 1", "METERED": "Y", "OPEN_SERVICE_ORDERS": "",
              "POLR_CUSTOMER_CLASS": "Residential", "SETTLEMENT_AMS_INDICATOR": "AMSR", "TDSP_AMS_INDICATOR": "AMSR",
              "SWITCH_HOLD_INDICATOR": "N", **changes}
    return [values[c] for c in HEADER]


A1 = row("10000000000000001", "101 ELM ST")
A2 = row("10000000000000002", "102 ELM ST")
A3 = row("10000000000000003", "103 ELM ST")
B1 = row("10000000000000011", "201 OAK AVE", duns=TDSP_B)
B2 = row("10000000000000012", "202 OAK AVE", duns=TDSP_B)


def extract(folder: Path, name: str, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    """An extract file as ERCOT writes it: every value quoted, CRLF."""
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.writerow(header)
        out.writerows(rows)
    return path


def premises(session, *duns: str) -> dict[str, tuple[str, str]]:
    """ESI ID -> (address, status) of the premises of these DUNS."""
    session.expire_all()
    return {p.esi_id: (p.address, p.status)
            for p in session.scalars(select(Premise).where(Premise.duns.in_(duns)))}


def everything(session) -> list[tuple]:
    session.expire_all()
    return [tuple(getattr(p, c.name) for c in Premise.__table__.columns)
            for p in session.scalars(select(Premise).order_by(Premise.esi_id))]


def run(app, path: Path, kind: str | None = None, **options) -> PremiseImport:
    return importer.import_file(db.sessionmaker(app), path, kind=kind, **options)


# --- the import ---------------------------------------------------------------------------------------------------

def test_a_full_file_replaces_only_its_own_tdsps_premises(app, session, tmp_path):
    demo = len(everything(session))
    first = run(app, extract(tmp_path, "TDSP_ESIID_Extract_A_FUL_20261201.csv", [A1, A2, A3]))
    assert (first.status, first.kind, first.rows_loaded, first.rows_added, first.rows_removed) == ("done", "full", 3, 3, 0)
    assert first.message == ("FULL file: 3 premises, 3 new, 0 changed, 0 unchanged; 0 removed; 0 bad rows skipped.")
    run(app, extract(tmp_path, "TDSP_ESIID_Extract_B_FUL_20261201.csv", [B1, B2]))

    second = run(app, extract(tmp_path, "TDSP_ESIID_Extract_A_FUL_20261202.csv", [A1, A3]))
    assert (second.rows_added, second.rows_changed, second.rows_removed) == (0, 0, 1)
    assert premises(session, TDSP_A) == {"10000000000000001": ("101 ELM ST", "Active"),
                                         "10000000000000003": ("103 ELM ST", "Active")}
    assert set(premises(session, TDSP_B)) == {"10000000000000011", "10000000000000012"}  # another TDSP: kept
    assert len(everything(session)) == demo + 4  # the demo premises (the real TDSPs' DUNS) are kept too


def test_a_daily_file_adds_and_updates_and_removes_nothing(app, session, tmp_path):
    run(app, extract(tmp_path, "A_FUL.csv", [A1, A2]))
    daily = run(app, extract(tmp_path, "TDSP_ESIID_Extract_A_DAILY_20261203.csv",
                             [row("10000000000000002", "102 ELM ST", status="De-Energized"), A3]))
    assert (daily.status, daily.kind, daily.rows_added, daily.rows_changed, daily.rows_removed) == ("done", "daily", 1, 1, 0)
    assert daily.message == "Daily file: 2 premises, 1 new, 1 changed, 0 unchanged; 0 removed; 0 bad rows skipped."
    assert premises(session, TDSP_A) == {"10000000000000001": ("101 ELM ST", "Active"),
                                         "10000000000000002": ("102 ELM ST", "De-Energized"),
                                         "10000000000000003": ("103 ELM ST", "Active")}


def test_importing_the_same_file_twice_changes_nothing(app, session, tmp_path):
    path = extract(tmp_path, "A_FUL.csv", [A1, A2, B1])
    run(app, path)
    before = everything(session)
    again = run(app, path)
    assert everything(session) == before
    assert (again.rows_added, again.rows_changed, again.rows_removed) == (0, 0, 0)
    assert "3 premises, 0 new, 0 changed, 3 unchanged; 0 removed" in again.message
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "premise")).all()
    assert [(e.actor, e.action, e.after["added"]) for e in entries] == [("command line", "import", 3)]


def test_a_zipped_extract_is_read_and_a_zip_of_two_files_refused(app, session, tmp_path):
    csv_file = extract(tmp_path, "TDSP_ESIID_Extract_A_FUL_20261201.csv", [A1, A2])
    archive = tmp_path / "TDSP_ESIID_Extract_A_FUL_20261201.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(csv_file, csv_file.name)
    result = run(app, archive)
    assert (result.status, result.rows_added) == ("done", 2)
    assert result.bytes_total == csv_file.stat().st_size  # progress counts the extract's own bytes

    two = tmp_path / "two_FUL.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.write(csv_file, "one.csv")
        z.write(csv_file, "two.csv")
    refused = run(app, two)
    assert (refused.status, refused.message) == ("refused", "The ZIP file holds 2 files: it must hold one, "
                                                            "the extract (CSV).")


def test_bad_rows_are_reported_by_line_and_the_good_ones_load(app, session, tmp_path):
    run(app, extract(tmp_path, "A_FUL.csv", [A1, A2]))
    rows = [A1,
            row("1000000000000000X", "9 NOWHERE"),  # line 3
            row("10000000000000002", "102 ELM ST", zip_code="7520"),  # line 4: a stored premise, unreadable now
            A3,
            row("10000000000000004", "104 ELM ST", METERED="maybe")]  # line 6
    result = run(app, extract(tmp_path, "A_FUL_2.csv", rows))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_bad) == ("done", 5, 2, 3)
    assert result.errors == [
        {"line": 3, "message": "ESIID must be 17 or 22 digits, not '1000000000000000X'"},
        {"line": 4, "message": "ZIPCODE must be a 5-digit ZIP code (ZIP+4 allowed), not '7520'"},
        {"line": 6, "message": "METERED must be Y or N, not 'maybe'"}]
    # A bad row still names its premise: the FULL file does not remove it, it keeps its stored data.
    assert premises(session, TDSP_A) == {"10000000000000001": ("101 ELM ST", "Active"),
                                         "10000000000000002": ("102 ELM ST", "Active"),
                                         "10000000000000003": ("103 ELM ST", "Active")}
    assert result.rows_removed == 0


def test_unreadable_lines_are_bad_rows_and_an_old_export_s_accents_are_kept(app, session, tmp_path):
    path = extract(tmp_path, "A_DAILY.csv", [A1])
    with path.open("ab") as fh:
        fh.write(b'"10000000000000002","' + b"9" * 200_000 + b'"\r\n')  # line 3: longer than any field can be
        fh.write(b'"10000000000000003","1 NUL\x00 ST","","DALLAS","TX","75201","111111111","07","Active",'
                 b'"Residential","NORTH","S1","SUB","Y","","Residential","AMSR","AMSR","N"\r\n')  # line 4
        fh.write(b'"10000000000000004","5 PE\xd1A ST","","DALLAS","TX","75201","111111111","07","Active",'
                 b'"Residential","NORTH","S1","SUB","Y","","Residential","AMSR","AMSR","N"\r\n')  # Windows-1252
    result = run(app, path)
    assert (result.status, result.rows_read, result.rows_loaded) == ("done", 4, 2)
    assert result.errors == [{"line": 3, "message": "not readable as CSV (field larger than field limit (131072))"},
                             {"line": 4, "message": "contains a NUL character"}]
    assert premises(session, TDSP_A)["10000000000000004"] == ("5 PE\u00d1A ST", "Active")


def test_an_esi_id_listed_twice_keeps_its_last_line(app, session, tmp_path):
    result = run(app, extract(tmp_path, "A_DAILY.csv", [A1, row("10000000000000001", "101 ELM ST", status="Inactive")]))
    assert (result.rows_loaded, result.rows_added, result.rows_bad) == (1, 1, 1)
    assert result.errors == [{"line": 2, "message": "ESIID 10000000000000001 is listed again on line 3, "
                                                    "which is imported"}]
    assert premises(session, TDSP_A) == {"10000000000000001": ("101 ELM ST", "Inactive")}


def test_a_wrong_header_is_refused_and_nothing_changes(app, session, tmp_path):
    before = everything(session)
    header = [c for c in HEADER if c != "DUNS"]
    result = run(app, extract(tmp_path, "A_FUL.csv", [A1[:6] + A1[7:]], header=header))
    assert result.status == "refused"
    assert result.message == ("Line 1: the header lacks DUNS (is this ERCOT's TDSP ESI ID extract, "
                              "with its header row?)")
    assert everything(session) == before


def test_a_file_whose_name_does_not_say_its_kind_is_refused(app, tmp_path):
    result = run(app, extract(tmp_path, "premises.csv", [A1]))
    assert (result.status, result.message) == (
        "refused", "Cannot tell whether premises.csv is a FULL or a daily extract: ERCOT's file names contain FUL "
                   "or DAILY. Say which it is (--full or --daily on the command line).")
    assert run(app, extract(tmp_path, "premises.csv", [A1]), kind="daily").rows_added == 1


def test_a_few_rows_of_another_tdsp_in_a_full_file_remove_nothing_of_it(app, session, tmp_path):
    run(app, extract(tmp_path, "B_FUL.csv", [B1, B2]))
    many = [row(f"1000000000001{n:04d}", f"{n} PINE ST") for n in range(120)]
    result = run(app, extract(tmp_path, "A_FUL.csv", many + [B1]))  # 1 row of TDSP B in 121: under 1 %
    assert set(premises(session, TDSP_B)) == {"10000000000000011", "10000000000000012"}
    assert result.rows_removed == 0
    assert result.message.endswith("Too few rows of DUNS 222222222 for a FULL list of that TDSP: "
                                   "they were added or updated, none of its other premises removed.")


def test_progress_is_recorded_while_the_file_is_read(app, tmp_path):
    seen: list[tuple[str, int, int]] = []
    rows = [row(f"1000000000002{n:04d}", f"{n} CEDAR LN") for n in range(10)]
    result = run(app, extract(tmp_path, "A_FUL.csv", rows), progress_every=3,
                 listener=lambda r: seen.append((r.status, r.rows_read, r.bytes_read)))
    running = [s for s in seen if s[0] == "running"]
    assert [r for _, r, _ in running if r] == [3, 6, 9, 10]
    assert [b for _, _, b in running] == sorted(b for _, _, b in running)
    assert seen[-1][0] == "done" and result.bytes_read == result.bytes_total
    # Another process sees the same record.
    with db.sessionmaker(app)() as other:
        assert other.get(PremiseImport, result.id).rows_loaded == 10


def test_the_demo_premises_are_loaded_on_first_start_once(app, make_app, session):
    found = session.get(Premise, "10443720748526057")
    assert (found.address, found.city, found.zip, found.duns) == ("100 MAIN ST", "DALLAS", "75201", "1039940674000")
    assert session.scalar(select(func.count()).select_from(Premise)) == 172
    make_app()  # a second start on the same database
    imports = session.scalars(select(PremiseImport)).all()
    assert [(i.source, i.status, i.rows_loaded) for i in imports] == [("demo", "done", 172)]


# --- the command line ---------------------------------------------------------------------------------------------

def test_the_command_imports_and_prints_a_summary_with_the_bad_lines(runner, session, tmp_path):
    path = extract(tmp_path, "TDSP_ESIID_Extract_A_FUL_20261201.csv",
                   [A1, A2, row("10000000000000003", "103 ELM ST", STATE="Texas")])
    result = runner.invoke(args=["premises", "import", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Importing TDSP_ESIID_Extract_A_FUL_20261201.csv (FULL, 0.0 MB)")
    assert "  100% read: 3 rows, 1 bad" in lines
    assert ("Imported: FULL file: 2 premises, 2 new, 0 changed, 0 unchanged; 0 removed; 1 bad row skipped."
            in lines)
    assert lines[-2:] == ["Bad rows (1), by line:", "  line 4: STATE must be a two-letter state, not 'Texas'"]
    assert set(premises(session, TDSP_A)) == {"10000000000000001", "10000000000000002"}


def test_the_command_stops_at_a_refused_file_with_an_error_status(runner, session, tmp_path):
    bad = extract(tmp_path, "bad_DAILY.csv", [A1], header=["ESIID", "ADDRESS"])
    later = extract(tmp_path, "later_DAILY.csv", [A2])
    result = runner.invoke(args=["premises", "import", str(bad), str(later)])
    assert result.exit_code == 1
    assert "Not imported: Line 1: the header lacks CITY, STATE, ZIPCODE, DUNS" in result.output
    assert "Error: bad_DAILY.csv was not imported. Not imported either: later_DAILY.csv." in result.output
    assert premises(session, TDSP_A) == {}

    unknown = runner.invoke(args=["premises", "import", str(extract(tmp_path, "extract.csv", [A1]))])
    assert unknown.exit_code == 1 and "Cannot tell whether extract.csv is a FULL or a daily extract" in unknown.output
    forced = runner.invoke(args=["premises", "import", "--daily", str(tmp_path / "extract.csv")])
    assert forced.exit_code == 0 and "Importing extract.csv (daily, " in forced.output


# --- the admin upload ---------------------------------------------------------------------------------------------

def upload(admin, content: bytes, name: str, kind: str = "auto"):
    return admin.post("/admin/premises", {"file": (io.BytesIO(content), name), "kind": kind},
                      content_type="multipart/form-data")


def extract_bytes(tmp_path: Path, rows: list[list[str]]) -> bytes:
    return extract(tmp_path, "upload.csv", rows).read_bytes()


def finished_page(admin, location: str) -> str:
    """Poll the import's page as the browser does until it shows the result (at most 30 s)."""
    for _ in range(300):
        page = admin.get(location)
        if 'id="import-outcome"' in page.text and "Importing." not in page.text:
            return page.text
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_operations_uploads_an_extract_follows_its_progress_and_sees_the_result(app, session, tmp_path):
    admin = signed_in(app, "operations")
    form = admin.get("/admin/premises")
    assert 'href="/admin/premises" aria-current="page">Premises</a>' in form.text
    assert 'name="csrf_token"' in form.text and 'type="file"' in form.text
    content = extract_bytes(tmp_path, [A1, row("123", "1 BAD ROW"), A2])
    response = upload(admin, content, "TDSP_ESIID_Extract_A_FUL_20261201.csv")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/admin/premises/imports/\d+", location)

    page = finished_page(admin, location)
    assert "Import of TDSP_ESIID_Extract_A_FUL_20261201.csv" in page
    assert "FULL file, started" in page and "by operations@example.com" in page
    assert "Imported." in page
    assert "FULL file: 2 premises, 2 new, 0 changed, 0 unchanged; 0 removed; 1 bad row skipped." in page
    assert '<tr><th scope="row">New</th><td class="num">2</td></tr>' in page
    assert "The 1 bad row, by line" in page
    assert ('<tr><th scope="row" class="num">3</th><td>ESIID must be 17 or 22 digits, not &#39;123&#39;</td></tr>'
            in page)
    assert "http-equiv=\"refresh\"" not in page and "hx-trigger" not in page  # finished: no more polling
    assert set(premises(session, TDSP_A)) == {"10000000000000001", "10000000000000002"}
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "premise")).all()
    assert (entry.actor, entry.action, entry.after) == (
        "operations@example.com", "import", {"kind": "full", "added": 2, "changed": 0, "removed": 0, "bad": 1})
    listing = admin.get("/admin/premises").text
    assert f'<a href="{location}">TDSP_ESIID_Extract_A_FUL_20261201.csv</a>' in listing
    assert "<td>operations@example.com</td>" in listing and "<td>Imported</td>" in listing
    assert not list((Path(app.instance_path) / "premise-uploads").iterdir())  # the upload is deleted


def test_marketing_may_upload_a_daily_file_named_otherwise(app, session, tmp_path):
    admin = signed_in(app, "marketing")
    refused = upload(admin, extract_bytes(tmp_path, [A1]), "premises.csv")
    assert refused.status_code == 422
    assert "The file name does not say FUL or DAILY: choose FULL or Daily, then choose the file again." in refused.text
    response = upload(admin, extract_bytes(tmp_path, [A1]), "premises.csv", kind="daily")
    page = finished_page(admin, response.headers["Location"])
    assert "Daily file: 1 premises, 1 new" in page


def test_a_refused_upload_says_why_and_changes_nothing(app, session, tmp_path):
    admin = signed_in(app, "operations")
    before = everything(session)
    response = upload(admin, b"ESIID,ADDRESS\n10000000000000001,1 MAIN ST\n", "A_FUL.csv")
    page = finished_page(admin, response.headers["Location"])
    assert "Not imported: nothing was changed." in page
    assert "Line 1: the header lacks CITY, STATE, ZIPCODE, DUNS, STATUS" in page
    assert everything(session) == before
    empty = upload(admin, b"", "A_FUL.csv")
    assert empty.status_code == 422 and "The file is empty. Choose the extract file again." in empty.text


def test_a_running_import_shows_its_progress_and_refreshes_itself(app, session):
    admin = signed_in(app, "operations")
    record = PremiseImport(filename="big_FUL.zip", kind="full", source="admin", started_by="ops@example.com",
                           bytes_total=1000, bytes_read=420, rows_read=4200, rows_bad=3)
    session.add(record)
    session.commit()
    page = admin.get(f"/admin/premises/imports/{record.id}").text
    assert "Importing. This page updates itself; you may leave it, the import goes on." in page
    assert '<progress id="import-percent" max="100" value="42">42%</progress> 42%' in page
    assert "4,200 rows read, 3 bad so far." in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # without JavaScript
    assert 'hx-trigger="every 2s"' in page and re.search(r'<script src="/static/htmx[.\w]*\.js" defer>', page)
    partial = admin.get(f"/admin/premises/imports/{record.id}", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<h1" not in partial.text and "42%" in partial.text

    record.status, record.rows_loaded, record.message = "done", 4197, "FULL file: 4,197 premises, ..."
    session.commit()
    done = admin.get(f"/admin/premises/imports/{record.id}", headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling, and swaps the result in
    assert '<p id="import-outcome" role="status" hx-swap-oob="true">Imported.</p>' in done.text

    record.status, record.updated_at = "running", dt.datetime(2026, 1, 1)
    session.commit()
    stalled = admin.get(f"/admin/premises/imports/{record.id}").text
    assert "the import has stopped, most likely because the server restarted" in stalled
    assert "http-equiv" not in stalled


def test_the_upload_needs_a_signed_in_staff_member_and_a_csrf_token(app, session, tmp_path):
    anonymous = app.test_client()
    assert anonymous.get("/admin/premises").headers["Location"].startswith("/admin/login")
    admin = signed_in(app, "operations")
    admin.get("/admin/premises")
    refused = admin.client.post("/admin/premises", data={"file": (io.BytesIO(extract_bytes(tmp_path, [A1])),
                                                                  "A_FUL.csv")},
                                content_type="multipart/form-data")
    assert refused.status_code == 400 and "This page has expired" in refused.text
    assert session.scalars(select(PremiseImport).where(PremiseImport.source == "admin")).all() == []
    assert csrf_of(admin.get("/admin/premises").text)


def test_an_upload_over_the_limit_is_refused_plainly(make_app, tmp_path):
    app = make_app(PREMISE_UPLOAD_BYTES=2048)
    admin = signed_in(app, "operations")
    response = upload(admin, b"x" * 4096, "A_FUL.csv")
    assert response.status_code == 413 and "premise extracts 512 MB" in response.text


@pytest.mark.parametrize("role", ["marketing", "operations", "admin"])
def test_the_premises_page_is_in_the_menu_of_every_role_that_may_use_it(app, role):
    assert '>Premises</a>' in signed_in(app, role).get("/admin/").text
