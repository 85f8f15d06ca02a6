"""Operations import a sales file in Chromium: upload it, read its problems by line while the check's
progress updates itself, choose valid rows only and read the result; every page checked by axe."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.admin_helpers import make_staff
from wizard.sales_import import sample_files

from .browser import Camera
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e


def sales_file(folder: Path) -> Path:
    """Five sales; line 4 has an email address that is not one."""
    rows = sample_files.rows(5)
    rows[2]["email"] = "maria-at-example.com"
    return sample_files.write(folder / "tpv-vendor-2026-12-06.csv", rows)


def test_operations_import_the_valid_rows_of_a_sales_file(live_server: LiveServer, camera: Camera, new_context,
                                                          tmp_path: Path) -> None:
    make_staff(live_server.app, "olga@example.com", "operations")
    context = new_context(base_url=live_server.base_url)
    context.set_default_timeout(20_000)
    olga = StaffMember(context.new_page(), live_server, camera)
    olga.when_i_sign_in("olga@example.com")
    olga.when_i_go_to("Sales imports", "Sales imports")
    olga.shot("sales-imports")

    # A spreadsheet instead of a CSV file: refused on the page, with what to do.
    workbook = tmp_path / "sales.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    olga.field("Sales file (CSV)").set_input_files(str(workbook))
    olga.page.get_by_role("radio", name="Non-web plans (agents' and sales partners')").check()
    olga.press("Upload and check")
    expect(olga.page.get_by_role("alert")).to_contain_text("This is a ZIP file or an Excel workbook (.xlsx), "
                                                           "not a CSV file.")
    expect(olga.field("Sales file (CSV)")).to_have_attribute("aria-invalid", "true")
    olga.shot("not-a-csv-file")

    olga.field("Sales file (CSV)").set_input_files(str(sales_file(tmp_path)))
    olga.page.get_by_role("radio", name="Web plans (the website's)").check()
    olga.press("Upload and check")
    page = olga.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales file tpv-vendor-2026-12-06.csv")
    expect(page.get_by_role("status")).to_have_text("Checked: 5 sales: 4 ready to import, 1 with problems.")
    problems = page.get_by_role("table").filter(has_text="Problems, by line")
    expect(problems.get_by_role("row").nth(1)).to_contain_text("4")
    expect(problems.get_by_role("row").nth(1)).to_contain_text("email")
    olga.shot("checked-with-problems")

    # All or nothing is refused while a row has a problem; nothing is written.
    page.get_by_role("radio", name="All or nothing: every sale, or none while any row has a problem").check()
    olga.press("Import")
    expect(page.get_by_role("alert")).to_contain_text("All or nothing imports nothing while any row has a problem")
    olga.shot("all-or-nothing-refused")

    page.get_by_role("radio", name="Valid rows only: the sales without problems; the others are left out").check()
    olga.press("Import")
    expect(page.get_by_role("status")).to_have_text(
        "Imported: 4 new enrollments, 1 with problems not imported.", timeout=60_000)
    expect(page.get_by_role("row", name="Imported now")).to_contain_text("4")
    olga.shot("imported")

    page.get_by_role("link", name="Back to sales imports").click()
    expect(page.get_by_role("link", name="tpv-vendor-2026-12-06.csv")).to_be_visible()
