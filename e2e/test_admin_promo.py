"""A promo code created in the admin unlocks its plan in the wizard, for customers who type it in any case."""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.admin_helpers import make_staff

from .browser import Camera
from .customer import Customer, market_today
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e

SPECIAL = "Save 10 Special 12"


class Marketer(StaffMember):
    """A marketing staff member in the admin area."""

    def when_i_create_a_promo(self, code: str, plan: str, days: int) -> None:
        self.when_i_go_to("Promo codes", "Promo codes")
        self.shot("admin-promos")
        self.page.get_by_role("link", name="New promo code").click()
        self.shot("admin-new-promo")
        self.page.get_by_role("button", name="Create promo code").click()  # empty: every field explained
        expect(self.page.locator(".error-summary")).to_be_visible()
        self.shot("admin-new-promo-errors")
        self.page.get_by_label("Code", exact=True).fill(code)
        self.page.get_by_label("Description").fill("Welcome offer: the Save 10 plan")
        self.page.get_by_label("Valid from").fill(market_today().isoformat())
        self.page.get_by_label("Valid to").fill((market_today() + dt.timedelta(days=days)).isoformat())
        self.page.get_by_role("checkbox", name=plan).check()
        self.page.get_by_role("button", name="Create promo code").click()

    def then_the_list_shows(self, code: str) -> None:
        expect(self.page.get_by_role("status")).to_have_text(f"Promo code {code} created.")
        row = self.page.get_by_role("row").filter(has=self.page.get_by_role("rowheader", name=code, exact=True))
        expect(row.get_by_role("cell").nth(6)).to_have_text("active")
        self.shot("admin-promo-created")


def test_a_promo_created_in_the_admin_unlocks_its_plan(live_server: LiveServer, camera: Camera,
                                                        new_context: Callable[..., BrowserContext],
                                                        open_customer: Callable[..., Customer]) -> None:
    make_staff(live_server.app, "mkt@example.com", "marketing")
    admin_context = new_context(base_url=live_server.base_url)
    admin_context.set_default_timeout(10_000)
    marketer = Marketer(admin_context.new_page(), live_server, camera)
    marketer.when_i_sign_in("mkt@example.com")
    marketer.when_i_create_a_promo("WELCOME5", f"SAVE10PLAN: {SPECIAL}", days=30)
    marketer.then_the_list_shows("WELCOME5")

    with_promo = open_customer()
    with_promo.walk_to_plans(promo="welcome5")
    with_promo.then_i_see("Plans for homes in 75201, delivered by Oncor Electric Delivery, with promo code WELCOME5.")
    expect(with_promo.page.get_by_role("article", name=SPECIAL)).to_be_visible()

    without = open_customer()
    without.walk_to_plans()
    expect(without.page.get_by_role("article").first).to_be_visible()
    expect(without.page.get_by_role("article", name=SPECIAL)).to_have_count(0)


def test_every_catalog_settings_page_passes_the_accessibility_check(
        live_server: LiveServer, camera: Camera, new_context: Callable[..., BrowserContext], tmp_path) -> None:
    make_staff(live_server.app, "mkt@example.com", "marketing")
    context = new_context(base_url=live_server.base_url)
    context.set_default_timeout(10_000)
    marketer = Marketer(context.new_page(), live_server, camera)
    marketer.when_i_sign_in("mkt@example.com")
    page = marketer.page
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Catalog settings").click()
    marketer.shot("catalog")
    for link, heading in [("Referral sources", "Referral sources"),
                          ("Acknowledgement statements", "Acknowledgement statements"),
                          ("Affiliates", "Affiliates"), ("States", "States"), ("Utilities", "Utilities")]:
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        marketer.shot(link)
        page.get_by_role("link", name="Back to catalog settings").click()

    page.goto(live_server.url("/admin/catalog/acknowledgements/rescission"))
    page.get_by_label("Statement text", exact=True).fill("I may cancel within {days} days.")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.locator("#text-error")).to_contain_text("unknown placeholder {days}")
    marketer.shot("statement-error")

    page.goto(live_server.url("/admin/catalog/zip-map"))
    bad = tmp_path / "zips.csv"
    bad.write_text("zip,utility\n7500,oncor\n75002,nosuch\n", encoding="utf-8")
    page.get_by_label("ZIP map file (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("table")).to_contain_text("unknown utility 'nosuch'")
    marketer.shot("zip-upload-errors")
