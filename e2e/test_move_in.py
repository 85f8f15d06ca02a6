"""A new customer moving into a Houston flat (CenterPoint, 22-digit ESI ID) picks a move-in date."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .customer import HOUSTON, Customer, Person, long_date, market_today

pytestmark = pytest.mark.e2e


def test_move_in_to_a_houston_premise(customer: Customer) -> None:
    me = Person(first_name="Luis", last_name="Ramos", email="luis@example.com", username="luis.ramos")
    move_in = market_today() + dt.timedelta(days=4)

    customer.walk_to_plans(HOUSTON, referral="Search engine")
    customer.then_i_see("Plans for homes in 77002, delivered by CenterPoint Energy Houston Electric.")
    customer.when_i_sign_up_for("Steady 24")
    customer.then_i_am_on_step("customer", 6, 10)
    customer.when_i_am_a_new_customer()
    customer.then_i_am_on_step("about-you", 7, 10)
    customer.when_i_tell_about_me(me)
    customer.then_i_am_on_step("premise", 8, 10)

    # Until switch or move-in is chosen, the date and timing questions stay hidden (CSS :has()).
    expect(customer.field("Move-in date")).to_be_hidden()
    expect(customer.field("Switch date")).to_be_hidden()
    customer.when_i_give_the_address(HOUSTON, move_in=move_in, submit=False)
    expect(customer.field("Move-in date")).to_be_visible()
    expect(customer.field("Switch date")).to_be_hidden()
    expect(customer.page.get_by_role("radio", name="On the first available date (no extra fee)")).to_be_hidden()
    # A move-in may start today: the date picker offers today onwards, not the switch's first date.
    expect(customer.field("Move-in date")).to_have_attribute("min", market_today().isoformat())
    expect(customer.field("Move-in date")).to_have_accessible_description(re.compile(
        rf"^From today, {market_today():%B} {market_today().day}, {market_today().year}, to "))
    customer.shot("premise-move-in")
    customer.continue_()

    customer.then_i_am_on_step("credentials", 9, 10)
    customer.when_i_create_my_login(me)
    customer.then_i_am_on_step("review", 10, 10)
    expect(customer.summary_value("ESI ID")).to_have_text("1008901000123456789012")
    expect(customer.summary_value("Utility")).to_have_text("CenterPoint Energy Houston Electric")
    expect(customer.summary_value("Enrollment type")).to_have_text("Move-in")
    expect(customer.summary_value("Start date")).to_have_text(f"Move in on {long_date(move_in)}")
    expect(customer.summary_value("Service address")).to_have_text("901 Bagby St, Houston, TX 77002")

    customer.when_i_enroll()
    customer.then_i_am_enrolled()
    start = customer.page.locator(".summary-row", has=customer.page.locator("dt", has_text=re.compile("^Start$")))
    expect(start.locator("dd")).to_have_text(f"Move-in on {long_date(move_in)}")
    # A move-in is sent to the utility straight away, not after the cancellation period.
    customer.then_i_see("Our billing system sends your move-in request to the utility for the date you chose.")
