"""An existing customer adds a second premise without giving name, email or SSN again."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .customer import DALLAS, HOUSTON, Customer, Person

pytestmark = pytest.mark.e2e


def test_existing_customer_enrolls_a_second_premise(open_customer) -> None:
    me = Person()

    # First premise, as a new customer.
    first = open_customer()
    first.walk_to_review(me)
    first.when_i_enroll()
    first_number = first.then_i_am_enrolled()
    first.page.context.close()

    # Later, in another browser: the Houston flat, as an existing customer.
    customer: Customer = open_customer()
    page = customer.page
    customer.walk_to_plans(HOUSTON)
    customer.when_i_sign_up_for("Steady 24")
    customer.then_i_am_on_step("customer", 6, 10)
    customer.when_i_am_an_existing_customer()
    customer.then_i_am_on_step("sign-in", 7, 9)
    customer.then_i_see("We'll add this address to your account without asking for your details again.")

    # A wrong password is refused without saying which part was wrong.
    customer.fill("Username", me.username)
    customer.fill("Password", "not the right password at all")
    customer.press("Sign in and continue")
    expect(customer.error_summary).to_contain_text("The username or password is not right.")
    customer.then_the_field_holds("Password", "")
    customer.shot("sign-in-refused")

    customer.when_i_sign_in(me)
    # No "About you": straight to the address, and no login to create afterwards.
    customer.then_i_am_on_step("premise", 8, 9)
    expect(customer.field("First name")).to_have_count(0)
    customer.when_i_give_the_address(HOUSTON)
    customer.then_i_am_on_step("review", 9, 9)

    expect(customer.summary_value("Customer")).to_have_text("Existing customer, signed in to My Account")
    expect(customer.summary_value("Service address")).to_have_text("901 Bagby St, Houston, TX 77002")
    expect(customer.summary_value("Plan")).to_have_text("Steady 24: 12.4¢ per kWh, 24 months")
    for asked_before in ("Name", "Email", "Phone", "Social Security number", "Date of birth",
                         "My Account username"):
        expect(page.locator(".summary-row dt", has_text=re.compile(f"^{asked_before}$"))).to_have_count(0)

    customer.when_i_enroll()
    second_number = customer.then_i_am_enrolled()
    assert second_number != first_number
    # The documents of the plan just chosen are at hand (no email is promised); the account
    # below shows that both enrollments belong to the same customer.
    expect(page.locator(".next-steps").get_by_role("link", name=re.compile("^Electricity Facts Label for Steady 24"))
           ).to_be_visible()

    # My Account lists both enrollments, newest first.
    page.get_by_role("link", name="Go to My Account").click()
    expect(page).to_have_url(customer.url_of("/account/"))
    expect(customer.heading).to_have_text("My Account")
    customer.then_i_see("Signed in as ana.garza.")
    rows = page.get_by_role("table", name="Your enrollments and their status").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_role("rowheader")).to_have_text(second_number)
    expect(rows.nth(0)).to_contain_text("901 Bagby St, Houston 77002")
    expect(rows.nth(0)).to_contain_text("Steady 24")
    expect(rows.nth(1).get_by_role("rowheader")).to_have_text(first_number)
    expect(rows.nth(1)).to_contain_text(f"{DALLAS.street}, Dallas 75201")
    expect(rows.nth(1)).to_contain_text("Lone Star Saver 12")
    customer.shot("my-account")
