"""The browser's Back and Forward buttons, and the wizard's own Back button, lose no answer."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .customer import DALLAS, Customer, Person

pytestmark = pytest.mark.e2e

#: The steps of a new Dallas customer, in order.
PATH = ["zip", "promo", "customer-type", "referral", "plans", "customer", "about-you", "premise",
        "credentials", "review"]

PHONE = re.compile(r"^(\+1 ?)?\(?214\)?[ -.]?555[ -.]?0100$")  # as typed, or normalised


def then_every_answer_is_on(customer: Customer, slug: str, me: Person) -> None:
    """The step `slug` shows the answers given when walking to the review."""
    page = customer.page
    if slug == "zip":
        customer.then_the_field_holds("ZIP code", "75201")
    elif slug == "promo":
        customer.then_the_field_holds("Promo code (optional)", "")
    elif slug == "customer-type":
        customer.then_the_choice_is("Home (residential)")
    elif slug == "referral":
        customer.then_the_choice_is("Friend or family")
    elif slug == "plans":
        chosen = page.get_by_role("article", name="Lone Star Saver 12")
        expect(chosen.get_by_text("Your current choice")).to_be_visible()
        expect(page.get_by_text("Your current choice")).to_have_count(1)
    elif slug == "customer":
        customer.then_the_choice_is("No, I'm a new customer")
    elif slug == "about-you":
        customer.then_the_field_holds("First name", me.first_name)
        customer.then_the_field_holds("Last name", me.last_name)
        customer.then_the_field_holds("Email address", me.email)
        expect(customer.field("Phone number")).to_have_value(PHONE)
        customer.then_the_choice_is("English")
        customer.then_the_choice_is("Email")
        customer.then_the_field_holds("Date of birth", me.date_of_birth)
        # The SSN is never sent back to the browser; the page says which one is kept.
        customer.then_the_field_holds("Social Security number", "")
        customer.then_i_see("We have the number ending 6789. Leave the box empty to keep it.")
    elif slug == "premise":
        customer.then_the_field_holds("Street address", DALLAS.street)
        customer.then_the_field_holds("Apartment, suite or unit (optional)", DALLAS.unit)
        customer.then_the_field_holds("City", DALLAS.city)
        customer.then_the_field_holds(f"ESI ID ({DALLAS.utility})", DALLAS.esi_id)
        customer.then_the_choice_is("To the service address")
        customer.then_the_choice_is("Switch: I live here now and am changing my electricity provider")
        customer.then_the_choice_is("On the first available date (no extra fee)")
    elif slug == "credentials":
        customer.then_the_field_holds("Username", me.username)
        customer.then_the_field_holds("Password", "")
        customer.then_i_see("You have already chosen a password. Leave the box empty to keep it.")
    elif slug == "review":
        then_the_summary_is_intact(customer, me)


def then_the_summary_is_intact(customer: Customer, me: Person) -> None:
    for label, value in {
        "ZIP code": "75201", "Home or business": "Home", "How you heard about us": "Friend or family",
        "Plan": "Lone Star Saver 12: 11.9¢ per kWh, 12 months", "Name": f"{me.first_name} {me.last_name}",
        "Email": me.email, "Phone": "(214) 555-0100", "Social Security number": "***-**-6789",
        "Service address": "1200 Main St, Apt 4, Dallas, TX 75201", "ESI ID": DALLAS.esi_id,
        "Enrollment type": "Switch", "My Account username": me.username,
    }.items():
        expect(customer.summary_value(label)).to_have_text(value)


def test_browser_back_and_forward_keep_every_answer(customer: Customer) -> None:
    me = Person()
    page = customer.page
    customer.walk_to_review(me)
    then_the_summary_is_intact(customer, me)

    # Back through the browser history to the ZIP code: each step still holds its answers.
    for slug in reversed(PATH[:-1]):
        page.go_back()
        customer.then_i_am_on_step(slug, label=f"history-back-{slug}")
        then_every_answer_is_on(customer, slug, me)
    page.go_back()  # before the wizard there is only the blank tab
    expect(page).to_have_url("about:blank")
    page.go_forward()
    customer.then_i_am_on_step("zip", label="history-forward-zip")

    # ...and Forward again to the review, whose summary is intact.
    for slug in PATH[1:]:
        page.go_forward()
        customer.then_i_am_on_step(slug, label=f"history-forward-{slug}")
        then_every_answer_is_on(customer, slug, me)


def test_back_button_keeps_typed_but_unsaved_input(customer: Customer) -> None:
    me = Person()
    customer.walk_to_review(me)

    # The review's Back goes to the login step.
    customer.page.get_by_role("link", name="Back", exact=True).click()
    customer.then_i_am_on_step("credentials", 9, 10, label="credentials-from-review")

    # Type a new username, then use the wizard's Back button without continuing.
    customer.fill("Username", "ana.g")
    customer.fill("Password", "another long passphrase here")
    customer.back_button()
    customer.then_i_am_on_step("premise", 8, 10, label="premise-after-back")
    then_every_answer_is_on(customer, "premise", me)

    # Change the first name and SSN on About you, then Back again.
    customer.back_button()
    customer.then_i_am_on_step("about-you", 7, 10, label="about-you-after-back")
    customer.fill("First name", "Anita")
    customer.fill("Social Security number", "987-65-4321")
    customer.back_button()
    customer.then_i_am_on_step("customer", 6, 10, label="customer-after-back")
    customer.then_the_choice_is("No, I'm a new customer")

    # Continuing shows what was typed; secrets are never kept.
    customer.continue_()
    customer.then_i_am_on_step("about-you", 7, 10, label="about-you-typed-kept")
    customer.then_the_field_holds("First name", "Anita")
    customer.then_the_field_holds("Last name", me.last_name)
    customer.then_the_field_holds("Social Security number", "")
    customer.then_i_see("We have the number ending 6789. Leave the box empty to keep it.")
    customer.continue_()
    customer.then_i_am_on_step("premise", 8, 10, label="premise-again")
    customer.continue_()
    customer.then_i_am_on_step("credentials", 9, 10, label="credentials-typed-kept")
    customer.then_the_field_holds("Username", "ana.g")
    customer.then_the_field_holds("Password", "")

    # Keeping the new username needs the password again; with it the review shows both changes.
    customer.fill("Password", me.password)
    customer.continue_()
    customer.then_i_am_on_step("review", 10, 10, label="review-changed")
    expect(customer.summary_value("Name")).to_have_text("Anita Garza")
    expect(customer.summary_value("My Account username")).to_have_text("ana.g")
    expect(customer.summary_value("Social Security number")).to_have_text("***-**-6789")
