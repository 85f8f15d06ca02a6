"""Keyboard only: Tab, Space, arrows, Enter and typing get through the first steps, and after
every htmx swap the focus lands on the new heading (or on the error summary)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .customer import Customer

pytestmark = pytest.mark.e2e

ACTIVE = "(() => { const e = document.activeElement;" \
         " return {tag: e.tagName, id: e.id, cls: e.className, text: (e.innerText || '').trim()," \
         " name: e.getAttribute('name'), value: e.value, checked: !!e.checked}; })()"


def focused(customer: Customer) -> dict:
    return customer.page.evaluate(ACTIVE)


def tab_to(customer: Customer, matches, limit: int = 40, key: str = "Tab") -> dict:
    """Press Tab until the focused element matches; answer it."""
    for _ in range(limit):
        customer.page.keyboard.press(key)
        element = focused(customer)
        if matches(element):
            return element
    raise AssertionError(f"never reached the element with {key}; last focus: {element}")


def then_focus_is_on_the_heading(customer: Customer, title: str) -> None:
    expect(customer.heading).to_be_focused()
    element = focused(customer)
    assert element["tag"] == "H1" and element["text"] == title, element


def test_first_steps_with_the_keyboard_only(customer: Customer) -> None:
    keyboard = customer.page.keyboard
    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip", 1, 11)

    # ZIP: tab into the field, type, Enter.
    tab_to(customer, lambda e: e["id"] == "zip")
    keyboard.type("75201")
    keyboard.press("Enter")
    customer.then_i_am_on_step("promo", 2, 10)
    then_focus_is_on_the_heading(customer, "Promo code")
    assert customer.same_document()

    # Promo: an unknown code puts the focus on the error summary; its link leads to the field.
    keyboard.press("Tab")
    assert focused(customer)["id"] == "promo"
    keyboard.type("nope")
    keyboard.press("Enter")
    expect(customer.error_summary).to_be_focused()
    assert "error-summary" in focused(customer)["cls"]
    customer.shot("promo-error")
    keyboard.press("Tab")
    link = focused(customer)
    assert link["tag"] == "A" and link["text"].startswith("We don't recognise that promo code"), link
    keyboard.press("Enter")
    expect(customer.field("Promo code (optional)")).to_be_focused()
    keyboard.press("ControlOrMeta+a")
    keyboard.press("Backspace")
    keyboard.press("Enter")
    customer.then_i_am_on_step("customer-type", 3, 10)
    then_focus_is_on_the_heading(customer, "Home or business")

    # Customer type: Tab to the radios, Space to choose, Tab to Continue, Enter.
    radio = tab_to(customer, lambda e: e["name"] == "customer_type")
    keyboard.press("Space")
    assert focused(customer)["checked"], radio
    customer.then_the_choice_is("Home (residential)")
    tab_to(customer, lambda e: e["tag"] == "BUTTON" and e["text"] == "Continue")
    keyboard.press("Enter")
    customer.then_i_am_on_step("referral", 4, 10)
    then_focus_is_on_the_heading(customer, "How you heard about us")

    # Referral: arrow keys move the choice within the group; Space on Continue submits.
    tab_to(customer, lambda e: e["name"] == "referral")
    keyboard.press("Space")
    keyboard.press("ArrowDown")
    customer.then_the_choice_is("Friend or family")
    tab_to(customer, lambda e: e["tag"] == "BUTTON" and e["text"] == "Continue")
    keyboard.press("Space")
    customer.then_i_am_on_step("plans", 5, 10)
    then_focus_is_on_the_heading(customer, "Choose a plan")

    # Plans: past the documents' links to the plan's own Sign up button.
    tab_to(customer, lambda e: e["tag"] == "BUTTON" and e["value"] == "SAVER12")
    keyboard.press("Enter")
    customer.then_i_am_on_step("customer", 6, 10)
    then_focus_is_on_the_heading(customer, "New or existing customer")

    # Customer: first radio is "new".
    tab_to(customer, lambda e: e["name"] == "customer_status")
    keyboard.press("Space")
    customer.then_the_choice_is("No, I'm a new customer")
    tab_to(customer, lambda e: e["tag"] == "BUTTON" and e["text"] == "Continue")
    keyboard.press("Enter")
    customer.then_i_am_on_step("about-you", 7, 10)
    then_focus_is_on_the_heading(customer, "About you")
    assert customer.same_document(), "a step was loaded as a full page instead of an htmx swap"
