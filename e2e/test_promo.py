"""A promo code: an unknown one is refused plainly, a real one (any case) unlocks its plan."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .customer import Customer

pytestmark = pytest.mark.e2e

UNKNOWN = "We don't recognise that promo code. Check it, or continue without one."


@pytest.fixture
def server_settings() -> dict:
    """A day inside SAVE10's window (the demo catalog's code ends on December 31, 2030)."""
    return {"TODAY": dt.date(2026, 6, 15)}


def test_invalid_then_valid_promo_code(customer: Customer) -> None:
    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip", 1, 11)
    customer.when_i_enter_my_zip("75201")
    customer.then_i_am_on_step("promo", 2, 10)

    customer.when_i_enter_promo("NOPE")
    expect(customer.page).to_have_url(customer.url_of("/signup/promo"))
    customer.then_there_is_an_error("promo", UNKNOWN)
    expect(customer.error_summary).to_be_focused()
    customer.then_the_field_holds("Promo code (optional)", "NOPE")
    expect(customer.page.get_by_role("button", name="Continue without a promo code")).to_be_visible()
    customer.shot("promo-unknown")

    # The summary's link takes the customer to the field.
    customer.error_summary.get_by_role("link", name=UNKNOWN).click()
    expect(customer.field("Promo code (optional)")).to_be_focused()

    customer.when_i_enter_promo("save10")
    customer.then_i_am_on_step("customer-type", 3, 10)
    customer.when_i_say_it_is_for_my("Home (residential)")
    customer.then_i_am_on_step("referral", 4, 10)
    customer.when_i_heard_about_you_from("Social media")
    customer.then_i_am_on_step("plans", 5, 10)

    customer.then_i_see("Plans for homes in 75201, delivered by Oncor Electric Delivery, with promo code SAVE10.")
    special = customer.page.get_by_role("article", name="Save 10 Special 12")
    expect(special).to_be_visible()
    expect(special.get_by_text("Unlocked by promo code SAVE10")).to_be_visible()
    expect(customer.page.get_by_text(re.compile("^Unlocked by promo code"))).to_have_count(1)
    expect(special.locator(".plan-price")).to_have_text("10.7¢ per kWh energy charge")
    expect(special.get_by_role("cell")).to_have_text(["19.1¢", "17.7¢", "17.0¢"])
    expect(customer.page.get_by_role("article")).to_have_count(8)  # the seven web plans and the special

    # The code is kept, upper-cased, when the customer goes back to it.
    for slug in ("referral", "customer-type", "promo"):
        customer.back_button()
        customer.then_i_am_on_step(slug, label=f"back-to-{slug}")
    customer.then_the_field_holds("Promo code (optional)", "SAVE10")


EXPIRED = "That promo code expired on August 31, 2024. You can continue without it."


def test_expired_promo_code_then_continue_goes_on_without_it(customer: Customer) -> None:
    customer.when_i_start_signing_up()
    customer.when_i_enter_my_zip("75201")
    customer.then_i_am_on_step("promo", 2, 10)

    customer.when_i_enter_promo("SUMMER24")
    customer.then_there_is_an_error("promo", EXPIRED)
    customer.shot("promo-expired")

    # As the message says: Continue (the code still in the box) goes on without it, and says so.
    customer.continue_()
    customer.then_i_am_on_step("customer-type", 3, 10)
    expect(customer.page.get_by_role("status")).to_have_text("You are continuing without the promo code SUMMER24.")
    customer.back_button()
    customer.then_i_am_on_step("promo", 2, 10, label="back-to-promo")
    customer.then_the_field_holds("Promo code (optional)", "")


def test_corrected_promo_code_with_enter_is_kept(customer: Customer) -> None:
    customer.when_i_start_signing_up()
    customer.when_i_enter_my_zip("75201")
    customer.when_i_enter_promo("SAVE1O")
    expect(customer.error_summary).to_be_visible()
    # Enter in the corrected box submits with Continue, not "Continue without a promo code".
    customer.fill("Promo code (optional)", "SAVE10")
    customer.field("Promo code (optional)").press("Enter")
    customer.then_i_am_on_step("customer-type", 3, 10)
    customer.back_button()
    customer.then_i_am_on_step("promo", 2, 10, label="back-to-promo")
    customer.then_the_field_holds("Promo code (optional)", "SAVE10")
