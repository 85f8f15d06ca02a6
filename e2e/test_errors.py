"""Errors are shown in a summary that takes the focus and links to each field, and by the field."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .customer import Customer

pytestmark = pytest.mark.e2e

EMPTY = "Enter the 5-digit ZIP code of the address to be served."
NOT_FIVE_DIGITS = "Enter a ZIP code as 5 digits, like 75201."


def test_empty_zip_shows_a_focused_error_summary(customer: Customer) -> None:
    page = customer.page
    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip", 1, 11)

    customer.continue_()
    customer.then_there_is_an_error("zip", EMPTY)
    expect(customer.error_summary).to_be_focused()
    expect(customer.error_summary).to_have_attribute("role", "alert")
    expect(page).to_have_url(customer.url_of("/signup/zip"))
    expect(customer.heading).to_have_text("Your ZIP code")
    assert customer.same_document(), "the error came back as a full page, not an htmx swap"
    customer.shot("zip-empty")

    # The summary's link goes to the ZIP field.
    link = customer.error_summary.get_by_role("link", name=EMPTY)
    expect(link).to_have_attribute("href", "#zip")
    link.click()
    expect(customer.field("ZIP code")).to_be_focused()

    # Something that is not a ZIP code gets its own message; the input is kept.
    customer.when_i_enter_my_zip("7520")
    customer.then_there_is_an_error("zip", NOT_FIVE_DIGITS)
    expect(customer.error_summary).to_be_focused()
    customer.then_the_field_holds("ZIP code", "7520")
    customer.shot("zip-four-digits")

    customer.when_i_enter_my_zip("75201")
    customer.then_i_am_on_step("promo", 2, 10)
    expect(customer.error_summary).to_have_count(0)


def test_empty_zip_without_javascript(open_customer) -> None:
    customer: Customer = open_customer(js=False)
    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip", 1, 11)
    customer.continue_()
    customer.then_there_is_an_error("zip", EMPTY)
    expect(customer.page).to_have_url(customer.url_of("/signup/zip"))
    customer.shot("zip-empty-no-js")
    customer.error_summary.get_by_role("link", name=EMPTY).click()
    expect(customer.page).to_have_url(customer.url_of("/signup/zip#zip"))
    expect(customer.field("ZIP code")).to_be_focused()
