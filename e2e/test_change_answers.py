"""Changing one answer from the review page, and coming straight back to the review."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .customer import Customer, Person

pytestmark = pytest.mark.e2e

@pytest.mark.parametrize("js", [pytest.param(True, id="js"), pytest.param(False, id="no-js")])
def test_change_email_from_the_review(open_customer, js: bool) -> None:
    me = Person()
    customer: Customer = open_customer(js=js)
    customer.walk_to_review(me)

    customer.page.get_by_role("link", name="Change email").click()
    customer.then_i_am_on_step("about-you", 7, 10, label="change-email", url=re.compile(
        re.escape(customer.url_of("/signup/about-you?change=1")) + "(#email)?$"))
    customer.then_the_field_holds("Email address", me.email)
    landed_on = customer.page.evaluate("document.activeElement.tagName + '#' + document.activeElement.id")

    customer.fill("Email address", "ana.garza@example.org")
    customer.continue_()
    # Straight back to the review, not through the steps after About you.
    customer.then_i_am_on_step("review", 10, 10, label="review-changed")
    expect(customer.summary_value("Email")).to_have_text("ana.garza@example.org")
    expect(customer.summary_value("Name")).to_have_text("Ana Garza")
    expect(customer.summary_value("Service address")).to_have_text("1200 Main St, Apt 4, Dallas, TX 75201")

    # The Change link pointed at the email field: that is where the customer should land.
    assert landed_on == "INPUT#email", f"focus was on {landed_on}, not on the email field"
