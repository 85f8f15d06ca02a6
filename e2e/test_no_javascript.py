"""The whole wizard in a browser with JavaScript turned off: plain forms, POST/redirect/GET."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from wizard.core import dates

from .customer import DALLAS, Customer, Person, long_date, market_today

pytestmark = pytest.mark.e2e

BILLING = {"Billing street address": "PO Box 4410", "Billing city": "Austin", "Billing state": "tx",
           "Billing ZIP code": "78765"}


def test_whole_wizard_without_javascript(open_customer) -> None:
    customer: Customer = open_customer(js=False)
    page = customer.page
    me = Person(first_name="Mei", last_name="Chen", email="mei@example.com", username="mei.chen")
    # A chosen switch date: after the cancellation period and a few days' margin.
    switch_on = dates.earliest_requested("switch", market_today(), 3) + dt.timedelta(days=3)

    customer.walk_to_plans(DALLAS)
    assert page.evaluate("typeof window.htmx") == "undefined", "JavaScript should be off"
    customer.when_i_sign_up_for("Sunbelt Green 12")
    customer.then_i_am_on_step("customer", 6, 10)
    customer.when_i_am_a_new_customer()
    customer.then_i_am_on_step("about-you", 7, 10)
    customer.when_i_tell_about_me(me)
    customer.then_i_am_on_step("premise", 8, 10)

    # Dependent questions are revealed by CSS alone.
    billing_street = customer.field("Billing street address")
    timing = page.get_by_role("radio", name="On the first available date (no extra fee)")
    start_date = customer.field("Switch date")
    move_in_date = customer.field("Move-in date")
    customer.then_the_choice_is("To the service address")
    expect(billing_street).to_be_hidden()
    expect(timing).to_be_hidden()
    expect(start_date).to_be_hidden()
    expect(move_in_date).to_be_hidden()

    customer.choose("Move-in: I am moving in and need electricity connected")
    expect(move_in_date).to_be_visible()
    expect(move_in_date).to_have_attribute("min", market_today().isoformat())
    expect(start_date).to_be_hidden()

    customer.choose("To a different address")
    expect(billing_street).to_be_visible()
    customer.choose("Switch: I live here now and am changing my electricity provider")
    expect(timing).to_be_visible()
    expect(timing).to_be_checked()
    expect(start_date).to_be_hidden()
    expect(move_in_date).to_be_hidden()
    customer.choose("On a date I choose (the utility charges a fee for a chosen date)")
    expect(start_date).to_be_visible()
    expect(start_date).to_have_attribute("min", dates.earliest_requested("switch", market_today(), 3).isoformat())
    customer.shot("premise-revealed")

    customer.when_i_give_the_address(DALLAS, switch_on=switch_on, billing=BILLING)
    customer.then_i_am_on_step("credentials", 9, 10)
    customer.when_i_create_my_login(me)
    customer.then_i_am_on_step("review", 10, 10)

    expect(customer.summary_value("Plan")).to_have_text("Sunbelt Green 12: 13.5¢ per kWh, 12 months")
    expect(customer.summary_value("Name")).to_have_text("Mei Chen")
    expect(customer.summary_value("Billing address")).to_have_text("PO Box 4410, Austin, TX 78765")
    expect(customer.summary_value("Start date")).to_have_text(
        f"Switch on {long_date(switch_on)} (chosen date; the utility charges a fee)")

    # Enrolling without ticking the statements is refused, with every one listed.
    customer.press("Enroll now")
    expect(page).to_have_url(customer.url_of("/signup/review"))
    expect(customer.error_summary.get_by_role("link")).to_have_count(4)
    customer.shot("review-unconfirmed")

    customer.when_i_enroll()
    customer.then_i_am_enrolled()
    customer.then_i_see(f"Switch on {long_date(switch_on)} (the date you chose)")
    # Signed in by enrolling: the full page's header says so.
    expect(page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("link", name="Go to My Account").click()
    expect(page).to_have_url(customer.url_of("/account/"))
    expect(customer.heading).to_have_text("My Account")
    customer.then_i_see("Signed in as mei.chen.")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)  # heading row and one enrollment
    customer.shot("my-account")
