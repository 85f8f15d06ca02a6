"""Finding the meter from the address, in Chromium: a new customer at ZIP 77550 (split between TNMP
and CenterPoint) types "1500 Main", picks the address and reaches the review with the right
utility and ESI ID, typing neither. Once with the keyboard alone (htmx searches while typing), once
without JavaScript ("Find my address", then the results on the page). Every page is photographed
and checked with axe."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.premise_helpers import TNMP_1500_MAIN, load_demo_premises
from wizard.core.extensions import db

from .customer import Customer, Person
from .server import LiveServer
from .test_keyboard import focused, tab_to

pytestmark = pytest.mark.e2e

TNMP = "Texas-New Mexico Power (TNMP)"
FOUND = f"ESI ID {TNMP_1500_MAIN} is 1500 MAIN ST, GALVESTON 77550, served by {TNMP}."


@pytest.fixture
def premises(live_server: LiveServer) -> None:
    """The demo premises in the live server's database (unless it loaded them on first start)."""
    with db.sessionmaker(live_server.app)() as session:
        load_demo_premises(session)


def key_type(customer: Customer, field_id: str, text: str) -> None:
    """Tab to the field and type into it."""
    tab_to(customer, lambda e: e["id"] == field_id)
    customer.page.keyboard.type(text)


def key_continue(customer: Customer) -> None:
    tab_to(customer, lambda e: e["tag"] == "BUTTON" and e["text"] == "Continue")
    customer.page.keyboard.press("Enter")


def then_the_review_shows_the_address_found(customer: Customer) -> None:
    expect(customer.summary_value("Utility")).to_have_text(f"{TNMP}, the utility of the address you found")
    expect(customer.summary_value("ESI ID")).to_have_text(TNMP_1500_MAIN)
    expect(customer.summary_value("Service address")).to_have_text("1500 MAIN ST, GALVESTON, TX 77550")


def test_1500_main_at_77550_with_the_keyboard_only(customer: Customer, premises: None) -> None:
    keyboard = customer.page.keyboard
    me = Person()
    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip")
    key_type(customer, "zip", "77550")
    keyboard.press("Enter")
    customer.then_i_am_on_step("promo")
    keyboard.press("Tab")
    keyboard.press("Enter")
    customer.then_i_am_on_step("customer-type")
    tab_to(customer, lambda e: e["name"] == "customer_type")
    keyboard.press("Space")
    key_continue(customer)
    customer.then_i_am_on_step("utility", 4, 11)

    # Typing the street address lists the premises as the customer types; the count is read out.
    key_type(customer, "address", "1500 Main")
    expect(customer.page.locator("#address-count")).to_have_text("1 address found.")
    expect(customer.page.locator("#address-count")).to_have_attribute("role", "status")
    option = customer.page.get_by_role("radio", name=re.compile(r"^1500 MAIN ST, GALVESTON 77550"))
    expect(option).to_have_accessible_name(f"1500 MAIN ST, GALVESTON 77550 {TNMP}")
    customer.shot("utility-address-found")
    assert "1500" not in customer.page.url

    # Tab into the list, Space to choose, Enter to use it.
    tab_to(customer, lambda e: e["name"] == "premise")
    keyboard.press("Space")
    expect(option).to_be_checked()
    keyboard.press("Enter")
    customer.then_i_am_on_step("referral", 5, 11)
    customer.then_i_see(f"1500 MAIN ST, GALVESTON is served by {TNMP}.")
    assert customer.same_document(), "a step was loaded as a full page instead of an htmx swap"

    tab_to(customer, lambda e: e["name"] == "referral")
    keyboard.press("Space")
    keyboard.press("ArrowDown")
    customer.then_the_choice_is("Friend or family")
    key_continue(customer)
    customer.then_i_am_on_step("plans")
    tab_to(customer, lambda e: e["tag"] == "BUTTON" and e["value"] == "SAVER12")
    keyboard.press("Enter")
    customer.then_i_am_on_step("customer")
    tab_to(customer, lambda e: e["name"] == "customer_status")
    keyboard.press("Space")
    key_continue(customer)
    customer.then_i_am_on_step("about-you")
    for field_id, value in (("first_name", me.first_name), ("last_name", me.last_name), ("email", me.email),
                            ("phone", me.phone), ("date_of_birth", "03271980"), ("identity_value", me.ssn)):
        key_type(customer, field_id, value)
    key_continue(customer)

    # The premise step: address and ESI ID filled in from the address found.
    customer.then_i_am_on_step("premise")
    customer.then_i_see(FOUND)
    customer.then_the_field_holds("Street address", "1500 MAIN ST")
    customer.then_the_field_holds("City", "GALVESTON")
    customer.then_the_field_holds(f"ESI ID ({TNMP})", TNMP_1500_MAIN)
    tab_to(customer, lambda e: e["name"] == "enrollment_type")
    keyboard.press("Space")
    customer.then_the_choice_is("Switch: I live here now and am changing my electricity provider")
    key_continue(customer)
    customer.then_i_am_on_step("credentials")
    key_type(customer, "username", me.username)
    key_type(customer, "password", me.password)
    key_continue(customer)
    customer.then_i_am_on_step("review", 11, 11)
    then_the_review_shows_the_address_found(customer)
    assert focused(customer)["tag"] == "H1"


def test_1500_main_at_77550_without_javascript(open_customer, premises: None) -> None:
    customer: Customer = open_customer(js=False)
    page = customer.page
    me = Person(first_name="Mei", last_name="Chen", email="mei@example.com", username="mei.chen")
    customer.when_i_start_signing_up()
    customer.when_i_enter_my_zip("77550")
    customer.when_i_enter_promo("")
    customer.when_i_say_it_is_for_my("Home (residential)")
    customer.then_i_am_on_step("utility", 4, 11)
    assert page.evaluate("typeof window.htmx") == "undefined", "JavaScript should be off"

    # "Find my address" posts the page and shows it again with the results: nothing typed in a URL.
    customer.fill("Street address", "1500 Main")
    customer.press("Find my address")
    customer.then_i_am_on_step("utility", 4, 11, label="utility-results",
                               url=customer.url_of("/signup/utility#address-results"))
    expect(page.locator("#address-count")).to_have_text("1 address found.")
    customer.then_the_field_holds("Street address", "1500 Main")
    # Choose with Space; Enter presses the page's first button, which is "Use this address" now.
    page.get_by_role("radio", name=re.compile(r"^1500 MAIN ST")).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    customer.then_i_am_on_step("referral", 5, 11)
    customer.then_i_see(f"1500 MAIN ST, GALVESTON is served by {TNMP}.")

    customer.when_i_heard_about_you_from("Friend or family")
    customer.then_i_am_on_step("plans")
    customer.when_i_sign_up_for("Lone Star Saver 12")
    customer.then_i_am_on_step("customer")
    customer.when_i_am_a_new_customer()
    customer.then_i_am_on_step("about-you")
    customer.when_i_tell_about_me(me)
    customer.then_i_am_on_step("premise")
    customer.then_i_see(FOUND)
    customer.then_the_field_holds(f"ESI ID ({TNMP})", TNMP_1500_MAIN)
    customer.choose("Switch: I live here now and am changing my electricity provider")
    customer.continue_()
    customer.then_i_am_on_step("credentials")
    customer.when_i_create_my_login(me)
    customer.then_i_am_on_step("review", 11, 11)
    then_the_review_shows_the_address_found(customer)
    customer.when_i_enroll()
    customer.then_i_am_enrolled()


def test_what_the_extract_says_is_shown_plainly(customer: Customer, premises: None) -> None:
    """Dallas: a business premise for a home, then a premise under a switch hold."""
    customer.walk_to_plans()
    customer.when_i_sign_up_for("Lone Star Saver 12")
    customer.when_i_am_a_new_customer()
    customer.when_i_tell_about_me(Person())
    customer.then_i_am_on_step("premise")

    customer.fill("Street address", "1717 Main")
    option = customer.page.get_by_role("radio", name=re.compile(r"^1717 MAIN ST, STE 200"))
    expect(option).to_have_accessible_name(re.compile(r"Oncor Electric Delivery Business premise$"))
    option.check()
    customer.press("Use this address")
    customer.then_i_see("1717 MAIN ST STE 200, DALLAS is a business address")
    expect(customer.page.get_by_role("link", name="Change to a business signup")).to_be_visible()
    customer.shot("business-premise")

    customer.fill("Street address", "1900 Elm")
    customer.page.get_by_role("radio", name=re.compile(r"^1900 ELM ST")).check()
    customer.press("Use this address")
    customer.then_i_see("The utility has put a switch hold on 1900 ELM ST, DALLAS")
    customer.then_i_see("call us at 1-800-555-0199")
    customer.then_the_choice_is("Move-in: I am moving in and need electricity connected")
    expect(customer.page.get_by_role("radio", name=re.compile("^Switch"))).to_have_count(0)
    expect(customer.field("Move-in date")).to_be_visible()
    customer.shot("switch-hold-move-in-only")
