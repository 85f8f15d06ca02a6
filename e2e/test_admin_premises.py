"""Operations uploads ERCOT's extract and follows its import: in Chromium, with JavaScript (htmx polls
the progress) and without (the page refreshes itself); every page checked by axe."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.admin_helpers import make_staff
from wizard.core.extensions import db
from wizard.premises.extract import COLUMNS
from wizard.premises.models import PremiseImport

from .browser import Camera
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e

ROW = {"ESIID": "10000000000000001", "ADDRESS": "101 ELM ST", "ADDRESS_OVERFLOW": "", "CITY": "DALLAS", "STATE": "TX",
       "ZIPCODE": "75201", "DUNS": "111111111", "METER_READ_CYCLE": "07", "STATUS": "Active",
       "PREMISE_TYPE": "Residential", "POWER_REGION": "NORTH", "STATIONCODE": "S100", "STATIONNAME": "SUB 1",
       "METERED": "Y", "OPEN_SERVICE_ORDERS": "", "POLR_CUSTOMER_CLASS": "Residential",
       "SETTLEMENT_AMS_INDICATOR": "AMSR", "TDSP_AMS_INDICATOR": "AMSR", "SWITCH_HOLD_INDICATOR": "N"}


def extract_file(folder: Path) -> Path:
    path = folder / "TDSP_ESIID_Extract_A_FUL_20261201.csv"
    with path.open("w", newline="") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerow(list(COLUMNS))
        out.writerow(list(ROW.values()))
        out.writerow(list({**ROW, "ESIID": "123"}.values()))  # line 3: not an ESI ID
        out.writerow(list({**ROW, "ESIID": "10000000000000002", "ADDRESS": "102 ELM ST"}.values()))
    return path


def running_import(server: LiveServer) -> int:
    """An import half-way through its file, as another process records it."""
    with db.sessionmaker(server.app)() as session:
        record = PremiseImport(filename="TDSP_ESIID_Extract_B_FUL_20261201.zip", kind="full", source="cli",
                               bytes_total=1000, bytes_read=500, rows_read=40_000)
        session.add(record)
        session.commit()
        return record.id


def finish(server: LiveServer, import_id: int) -> None:
    with db.sessionmaker(server.app)() as session:
        record = session.get(PremiseImport, import_id)
        record.status, record.bytes_read, record.rows_read, record.rows_loaded = "done", 1000, 80_000, 80_000
        record.message = "FULL file: 80,000 premises, 12 new, 3 changed, 79,985 unchanged; 0 removed; 0 bad rows skipped."
        session.commit()


def signed_in_operator(live_server: LiveServer, camera: Camera, new_context: Callable[..., BrowserContext],
                       js: bool) -> StaffMember:
    email = f"olga{'' if js else '.nojs'}@example.com"
    make_staff(live_server.app, email, "operations")
    context = new_context(base_url=live_server.base_url, java_script_enabled=js)
    context.set_default_timeout(10_000)
    olga = StaffMember(context.new_page(), live_server, camera)
    olga.shot = lambda label: camera.take(olga.page, label, js=js)  # type: ignore[method-assign]
    olga.when_i_sign_in(email)
    return olga


def test_operations_upload_an_extract_and_see_the_result_by_line(live_server: LiveServer, camera: Camera,
                                                                 new_context, tmp_path: Path) -> None:
    olga = signed_in_operator(live_server, camera, new_context, js=True)
    olga.when_i_go_to("Premises", "Premises")
    olga.shot("premises")
    olga.field("Extract file (CSV or ZIP)").set_input_files(str(extract_file(tmp_path)))
    expect(olga.page.get_by_role("radio", name="From the file name (ERCOT's names contain FUL or DAILY)")).to_be_checked()
    olga.press("Upload and import")

    page = olga.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of TDSP_ESIID_Extract_A_FUL_20261201.csv")
    expect(page.get_by_role("status")).to_have_text("Imported.")
    expect(page.get_by_text("FULL file: 2 premises, 2 new, 0 changed, 0 unchanged; 0 removed; 1 bad row skipped.")) \
        .to_be_visible()
    bad = page.get_by_role("table").filter(has_text="The 1 bad row, by line")
    expect(bad.get_by_role("row").nth(1)).to_have_text("3ESIID must be 17 or 22 digits, not '123'")
    olga.shot("import-result")

    page.get_by_role("link", name="Back to premises").click()
    expect(page.get_by_role("link", name="TDSP_ESIID_Extract_A_FUL_20261201.csv")).to_be_visible()


@pytest.mark.parametrize("js", [True, False], ids=["htmx", "no-javascript"])
def test_the_progress_page_follows_a_running_import_to_its_end(live_server: LiveServer, camera: Camera,
                                                              new_context, js: bool) -> None:
    olga = signed_in_operator(live_server, camera, new_context, js=js)
    import_id = running_import(live_server)
    page = olga.page
    page.goto(live_server.url(f"/admin/premises/imports/{import_id}"))
    expect(page.get_by_role("status")).to_have_text(
        "Importing. This page updates itself; you may leave it, the import goes on.")
    expect(page.get_by_text("40,000 rows read, 0 bad so far.")).to_be_visible()
    expect(page.get_by_label("File read")).to_have_attribute("value", "50")
    olga.shot("import-running")

    finish(live_server, import_id)  # the page learns it by itself: htmx's poll, or the browser's refresh
    expect(page.get_by_role("status")).to_have_text("Imported.", timeout=8_000)
    expect(page.get_by_text("FULL file: 80,000 premises, 12 new, 3 changed")).to_be_visible()
    olga.shot("import-finished")
