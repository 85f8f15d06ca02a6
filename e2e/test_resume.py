"""A customer closes the tab half-way and comes back: the wizard resumes where they stopped."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .customer import DALLAS, Customer, after_browser_restart

pytestmark = pytest.mark.e2e


def then_the_earlier_answers_are_kept(customer: Customer) -> None:
    customer.then_i_see("Plans for homes in 75201, delivered by Oncor Electric Delivery.")
    customer.back_button()
    customer.then_i_am_on_step("referral", 4, 10, label="resumed-referral")
    customer.then_the_choice_is("Mail or flyer")
    customer.back_button()
    customer.then_i_am_on_step("customer-type", 3, 10, label="resumed-customer-type")
    customer.then_the_choice_is("Home (residential)")
    customer.back_button()
    customer.then_i_am_on_step("promo", 2, 10, label="resumed-promo")
    customer.then_the_field_holds("Promo code (optional)", "")
    customer.back_button()
    customer.then_i_am_on_step("zip", 1, 10, label="resumed-zip")
    customer.then_the_field_holds("ZIP code", "75201")


def test_resume_in_a_new_page_after_closing(customer: Customer, open_customer, live_server) -> None:
    customer.walk_to_plans(DALLAS, referral="Mail or flyer")
    context = customer.page.context

    # The draft lives in a cookie that outlasts the browser session (days, not until closing).
    cookie = next(c for c in context.cookies() if c["name"] == "signup")
    assert cookie["expires"] > time.time() + 24 * 3600, cookie
    assert cookie["httpOnly"]
    state = after_browser_restart(context)
    customer.page.close()

    # A new tab in the same browser resumes at the plans.
    again = open_customer(context=context)
    again.open("/signup/")
    again.then_i_am_on_step("plans", 5, 10, label="resumed-plans")
    then_the_earlier_answers_are_kept(again)

    # So does a restarted browser that kept its cookies.
    restarted = open_customer(storage_state=state)
    restarted.open("/signup/")
    restarted.then_i_am_on_step("plans", 5, 10, label="restarted-plans")
    expect(restarted.page.get_by_role("article", name="Lone Star Saver 12")).to_be_visible()
