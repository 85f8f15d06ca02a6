"""A new Dallas customer switches to a plan, with JavaScript on (htmx swaps every step)."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

from wizard.core import dates
from wizard.core.billing_runner import drain_once

from .customer import DALLAS, Customer, Person, long_date, market_today

pytestmark = pytest.mark.e2e

#: Average prices of Lone Star Saver 12 with Oncor delivery, worked out by hand from the demo
#: catalog: (11.9 + 5.5833) ¢/kWh + ($9.95 + $4.23) / usage, rounded to 0.1¢.
SAVER12_ONCOR = {"500 kWh": "20.3¢", "1,000 kWh": "18.9¢", "2,000 kWh": "18.2¢"}
RESIDENTIAL_WEB_PLANS = ["Short Term 6", "Flex Variable 6", "Credit Saver 12", "Lone Star Saver 12",
                         "Sunbelt Green 12", "Steady 24", "Long Haul 36"]


def test_texas_switch_happy_path_with_javascript(customer: Customer, live_server) -> None:
    me = Person()
    page = customer.page

    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip", 1, 11)

    customer.when_i_enter_my_zip("75201")
    customer.then_i_am_on_step("promo", 2, 10)

    customer.when_i_enter_promo("")
    customer.then_i_am_on_step("customer-type", 3, 10)

    customer.when_i_say_it_is_for_my("Home (residential)")
    customer.then_i_am_on_step("referral", 4, 10)

    customer.when_i_heard_about_you_from("Friend or family")
    customer.then_i_am_on_step("plans", 5, 10)

    # The plans a Dallas home may buy on the web, cheapest first within each term.
    customer.then_i_see("Plans for homes in 75201, delivered by Oncor Electric Delivery.")
    expect(page.get_by_role("article")).to_have_count(len(RESIDENTIAL_WEB_PLANS))
    expect(page.get_by_role("article").get_by_role("heading", level=2)).to_have_text(RESIDENTIAL_WEB_PLANS)
    for hidden in ("Phone Special 12", "Business Fixed 12", "Save 10 Special 12"):
        expect(page.get_by_role("article", name=hidden)).to_have_count(0)

    saver = page.get_by_role("article", name="Lone Star Saver 12")
    expect(saver.locator(".plan-price")).to_have_text("11.9¢ per kWh energy charge")
    prices = saver.get_by_role("table", name="Average price per kWh")
    expect(prices.get_by_role("columnheader")).to_have_text(list(SAVER12_ONCOR))
    expect(prices.get_by_role("cell")).to_have_text(list(SAVER12_ONCOR.values()))
    for document in ("Electricity Facts Label", "Terms of Service", "Your Rights as a Customer"):
        expect(saver.get_by_role("link", name=f"{document} for Lone Star Saver 12 (opens in a new tab)")).to_be_visible()

    # The EFL opens in a new tab and shows the same prices for Oncor's area.
    efl_link = saver.get_by_role("link", name="Electricity Facts Label for Lone Star Saver 12 (opens in a new tab)")
    with page.context.expect_page() as new_tab:
        efl_link.click()
    efl = Customer(new_tab.value, live_server, customer.camera)
    efl.page.wait_for_load_state()
    expect(efl.page).to_have_url(re.compile(r"/documents/SAVER12/efl\?utility=oncor$"))
    expect(efl.heading).to_have_text("Electricity Facts Label")
    efl_prices = efl.page.get_by_role("table", name="Average price per kWh, Oncor Electric Delivery service area")
    expect(efl_prices.get_by_role("cell")).to_have_text(list(SAVER12_ONCOR.values()))
    efl.shot("efl")
    efl.page.close()

    customer.when_i_sign_up_for("Lone Star Saver 12")
    customer.then_i_am_on_step("customer", 6, 10)

    customer.when_i_am_a_new_customer()
    customer.then_i_am_on_step("about-you", 7, 10)
    customer.then_i_see("For the credit check")  # Texas asks date of birth and SSN
    expect(customer.field("Date of birth")).to_be_visible()
    expect(customer.field("Social Security number")).to_be_visible()

    customer.when_i_tell_about_me(me)
    customer.then_i_am_on_step("premise", 8, 10)
    customer.then_i_see(re.compile(r"State and ZIP code\s+TX 75201"))

    customer.when_i_give_the_address(DALLAS)
    customer.then_i_am_on_step("credentials", 9, 10)

    customer.when_i_create_my_login(me)
    customer.then_i_am_on_step("review", 10, 10)

    first_available = dates.first_available_switch(market_today(), 3)
    for label, value in {
        "ZIP code": "75201", "Promo code": "No promo code", "Home or business": "Home",
        "Utility": "Oncor Electric Delivery", "How you heard about us": "Friend or family",
        "Plan": "Lone Star Saver 12: 11.9¢ per kWh, 12 months", "Name": "Ana Garza",
        "Email": "ana@example.com", "Phone": "(214) 555-0100", "Social Security number": "***-**-6789",
        "Service address": "1200 Main St, Apt 4, Dallas, TX 75201",
        "Billing address": "Same as service address", "ESI ID": "10443720001234567",
        "Enrollment type": "Switch",
        "Start date": f"First available date: about {long_date(first_available)}, "
                      "after the 3-business-day cancellation period",
        "My Account username": "ana.garza",
    }.items():
        expect(customer.summary_value(label)).to_have_text(value)

    customer.when_i_enroll()
    number = customer.then_i_am_enrolled()

    # Every step came in by an htmx swap: one document, a pushed URL per step.
    assert customer.same_document(), "a step was loaded as a full page instead of an htmx swap"
    assert [u.removeprefix(live_server.base_url) for u in customer.urls] == [
        "/signup/zip", "/signup/promo", "/signup/customer-type", "/signup/referral", "/signup/plans",
        "/signup/customer", "/signup/about-you", "/signup/premise", "/signup/credentials", "/signup/review"]

    customer.then_i_see("Switch on the first available date")
    # The confirmation counts the rescission period from the day the enrollment was stored; see
    # test_dates_follow_the_market_day for the UTC-versus-Central day it uses.
    utc_day = dt.datetime.now(dt.UTC).date()
    ends = {long_date(dates.rescission_ends(day, 3)) for day in (market_today(), utc_day)}
    rescission = page.get_by_text(re.compile(
        r"You can cancel without a fee within 3 federal business days of receiving the Terms of Service, "
        r"that is until (.+)\."))
    expect(rescission).to_be_visible()
    until = re.search(r"that is until (.+)\.", rescission.inner_text()).group(1)
    assert until in ends, (until, ends)
    # The confirmation email was queued with the enrollment (e2e/test_confirmation_mail.py reads it):
    # the page says where it went, and links the plan's documents as well.
    customer.then_i_see(f"We have emailed your confirmation and the plan's documents to {me.email}.")
    for name in ("Electricity Facts Label", "Terms of Service", "Your Rights as a Customer"):
        expect(page.locator(".next-steps").get_by_role("link", name=re.compile(f"^{name} for "))).to_be_visible()
    customer.then_i_see("We are passing your enrollment to our billing system now. Our billing system sends "
                        "your switch request to the utility after the days in which you can cancel without a fee.")

    # The billing hand-off: one Create Prospect XML file for this enrollment.
    report = drain_once(live_server.app)
    assert report.sent == 1
    dropped = live_server.drop_dir / f"{number}.xml"
    assert dropped.is_file(), sorted(p.name for p in live_server.drop_dir.iterdir())
    xml = ET.fromstring(dropped.read_bytes())
    assert xml.findtext("EnrollmentNumber") == number
    assert xml.findtext("Customer/FirstName") == "Ana"
    assert xml.findtext("Customer/IdentityValue") == "123456789"
    assert xml.findtext("Premise/EsiId") == "10443720001234567"
    assert xml.findtext("Premise/Utility") == "oncor"
    assert xml.find("Enrollment").get("type") == "switch"
    assert xml.findtext("Enrollment/Plan") == "SAVER12"
    assert xml.findtext("Enrollment/StartTiming") == "first_available"
    assert len(xml.findall("Consent/Statement")) == 4
