"""The funnel report shows where customers leave the wizard; the audit log shows who changed what."""
from __future__ import annotations

from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, expect


from .browser import Camera
from .customer import Customer
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e


def funnel_row(member: StaffMember, step: str):
    table = member.page.get_by_role("table")
    return table.get_by_role("row").filter(has=member.page.get_by_role("rowheader", name=step))


def test_admin_reads_the_funnel_and_finds_a_change_in_the_audit_log(
        live_server: LiveServer, camera: Camera, new_context: Callable[..., BrowserContext],
        open_customer: Callable[..., Customer]) -> None:
    for _ in range(2):  # two customers reach the plans page, one of them via the affiliate's link
        open_customer().walk_to_plans()
    via_affiliate = open_customer()
    via_affiliate.open("/signup/via/ACME")
    via_affiliate.when_i_enter_my_zip("75201")

    ada = StaffMember.signed_in(live_server, new_context, camera, "root@example.com", "admin")

    ada.when_i_go_to("Funnel report", "Funnel report")
    ada.shot("funnel")
    expect(funnel_row(ada, "Started").get_by_role("cell").first).to_have_text("3")
    expect(funnel_row(ada, "Choose a plan").get_by_role("cell").first).to_have_text("2")
    ada.field("Channel").select_option(label="Acme Energy Deals (ACME)")
    ada.press("Show report")
    expect(funnel_row(ada, "Started").get_by_role("cell").first).to_have_text("1")
    expect(funnel_row(ada, "Choose a plan").get_by_role("cell").first).to_have_text("0")
    ada.shot("funnel-acme")
    with ada.page.expect_download() as download:
        ada.page.get_by_role("link", name="Download this report as CSV").click()
    assert download.value.suggested_filename.endswith(".csv")

    ada.field("From").fill("2026-11-30")
    ada.field("To").fill("2026-11-01")
    ada.press("Show report")
    expect(ada.page.locator(".error-summary")).to_contain_text("The last day must be the same as or after the first day")
    ada.shot("funnel-dates-swapped")

    ada.when_i_go_to("Audit log", "Audit log")
    ada.shot("audit")
    expect(ada.page.get_by_role("cell", name="root@example.com").first).to_be_visible()
    ada.field("Entity type").select_option("staff")
    ada.press("Filter")
    expect(ada.page.get_by_role("cell", name="sign in").first).to_be_visible()
    ada.shot("audit-filtered")
