"""Marketing hides one plan from the web today and schedules another for tomorrow; a customer sees neither."""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, expect


from .browser import Camera
from .customer import DALLAS, Customer, market_today
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e


class Marketer(StaffMember):
    """A marketing staff member in their own browser."""

    def when_i_open_the_plan(self, code: str) -> None:
        self.when_i_go_to("Plans", "Plans")
        self.page.get_by_role("link", name=f"{code} (edit)").click()
        expect(self.page).to_have_url(self.server.url(f"/admin/plans/{code}"))

    def visibility_row(self, channel: str):
        return self.page.get_by_role("table", name="Visibility of").get_by_role("row").filter(
            has=self.page.get_by_role("rowheader", name=channel, exact=True))


def test_marketing_hides_a_plan_and_schedules_another_then_a_customer_sees_neither(
        live_server: LiveServer, new_context: Callable[..., BrowserContext], camera: Camera,
        open_customer: Callable[..., Customer]) -> None:
    tomorrow = market_today() + dt.timedelta(days=1)
    mia = Marketer.signed_in(live_server, new_context, camera, "mia@example.com", "marketing")

    # Lone Star Saver 12 stops showing on the web from today (agents still offer it).
    mia.when_i_open_the_plan("SAVER12")
    expect(mia.page.get_by_role("heading", level=1)).to_have_text("Lone Star Saver 12 (SAVER12)")
    mia.shot("saver12")
    mia.press("Hide from today on Web wizard")
    expect(mia.flash()).to_have_text("SAVER12 is hidden from today on Web wizard.")
    expect(mia.visibility_row("Web wizard").get_by_role("cell").nth(2)).to_have_text("Ended")
    expect(mia.visibility_row("Agents (phone and sales)").get_by_role("cell").nth(2)).to_have_text("Shown")
    mia.shot("saver12-hidden-from-web")

    # Long Haul 36 leaves the web and comes back tomorrow.
    mia.when_i_open_the_plan("LONGHAUL36")
    mia.press("Remove Web wizard row")
    expect(mia.flash()).to_have_text("LONGHAUL36 is no longer shown on Web wizard.")
    expect(mia.page.get_by_text("Not shown on any channel.")).to_be_visible()
    mia.field("Channel").select_option(label="Web wizard")
    mia.field("Shown from (optional)").fill(tomorrow.isoformat())
    mia.press("Show on this channel")
    expect(mia.flash()).to_have_text(f"LONGHAUL36 is shown on Web wizard from {tomorrow:%B} {tomorrow.day}, {tomorrow.year}.")
    cells = mia.visibility_row("Web wizard").get_by_role("cell")
    for i, text in enumerate((tomorrow.isoformat(), "Open", "Scheduled")):
        expect(cells.nth(i)).to_have_text(text)
    mia.shot("longhaul36-scheduled")

    # The preview agrees: neither today, Long Haul 36 tomorrow.
    mia.page.get_by_role("navigation", name="Admin").get_by_role("link", name="Preview").click()
    mia.field("ZIP code").fill("75201")
    mia.press("Show the plans")
    today_table = mia.page.get_by_role("table", name="Plans offered in 75201 by Oncor Electric Delivery, in the order customers see them")
    expect(today_table.get_by_role("rowheader")).to_have_count(5)
    expect(today_table).not_to_contain_text("Lone Star Saver 12")
    expect(today_table).not_to_contain_text("Long Haul 36")
    mia.shot("preview-today")
    mia.field("Date").fill(tomorrow.isoformat())
    mia.press("Show the plans")
    expect(today_table).to_contain_text("Long Haul 36")
    mia.shot("preview-tomorrow")

    # A customer in a fresh browser sees the other plans, but neither of these.
    customer = open_customer()
    customer.walk_to_plans(DALLAS)
    plans = customer.page.get_by_role("article")
    expect(plans).to_have_count(5)
    for name in ("Short Term 6", "Flex Variable 6", "Credit Saver 12", "Sunbelt Green 12", "Steady 24"):
        expect(customer.page.get_by_role("article", name=name)).to_be_visible()
    for name in ("Lone Star Saver 12", "Long Haul 36"):
        expect(customer.page.get_by_role("article", name=name)).to_have_count(0)
    customer.shot("plans-without-the-two")
