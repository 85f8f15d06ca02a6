"""The customer of the e2e stories: the `Customer` page-driver, the answers they give (Person, Premise) and what they read."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any, Optional

from playwright.sync_api import BrowserContext, Locator, Page, expect

from .browser import Camera
from .server import LiveServer

PASSWORD = "correct horse battery staple"

#: (slug, page heading) of every step, in the wizard's order.
STEP_TITLES = {
    "zip": "Your ZIP code",
    "promo": "Promo code",
    "customer-type": "Home or business",
    "utility": "Your utility",
    "referral": "How you heard about us",
    "plans": "Choose a plan",
    "customer": "New or existing customer",
    "sign-in": "Sign in to My Account",
    "about-you": "About you",
    "premise": "Service address",
    "credentials": "Create your My Account login",
    "review": "Check your answers",
}

ACKNOWLEDGEMENTS = (
    "I have read and accept the Electricity Facts Label",
    "I authorize Lone Star Power to become the retail electric provider",
    "I understand that I may cancel this enrollment without a fee within 3 federal business days",
    "I am the account holder, or I am authorized",
)


@dataclasses.dataclass
class Person:
    """The answers one customer gives."""

    first_name: str = "Ana"
    last_name: str = "Garza"
    email: str = "ana@example.com"
    phone: str = "(214) 555-0100"
    date_of_birth: str = "1980-03-27"
    ssn: str = "123-45-6789"
    username: str = "ana.garza"
    password: str = PASSWORD


@dataclasses.dataclass
class Premise:
    """A service address in Texas."""

    zip: str = "75201"
    street: str = "1200 Main St"
    unit: str = "Apt 4"
    city: str = "Dallas"
    esi_id: str = "10443720001234567"
    utility: str = "Oncor Electric Delivery"


DALLAS = Premise()
HOUSTON = Premise(zip="77002", street="901 Bagby St", unit="", city="Houston",
                  esi_id="1008901000123456789012", utility="CenterPoint Energy Houston Electric")


def after_browser_restart(context: BrowserContext) -> dict[str, Any]:
    """The context's storage as a restarted browser has it: session cookies are gone."""
    state = context.storage_state()
    state["cookies"] = [c for c in state["cookies"] if c.get("expires", -1) > 0]
    return state


def market_today() -> dt.date:
    """The wizard's calendar day (Central time)."""
    from wizard.core.dates import today
    return today()


def long_date(day: dt.date) -> str:
    """Monday, December 1, 2026: how the wizard writes dates."""
    return f"{day:%A, %B} {day.day}, {day.year}"


class Customer:
    """One person in one browser tab, using the signup wizard.

    `when_...` methods act, `then_...` methods check what the person would notice; every
    page reached is photographed and checked for accessibility (`shot`).
    """

    def __init__(self, page: Page, server: LiveServer, camera: Camera, js: bool = True):
        self.page = page
        self.server = server
        self.camera = camera
        self.js = js
        self.urls: list[str] = []  # page.url after each step reached

    # -- low level --------------------------------------------------------------------------

    @property
    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    @property
    def error_summary(self) -> Locator:
        return self.page.locator(".error-summary")

    def url_of(self, path: str) -> str:
        return self.server.url(path)

    def settle(self) -> None:
        """Wait until no htmx request, swap or settle is going on."""
        self.page.wait_for_load_state("load")
        if self.js:
            self.page.wait_for_function(
                "() => window.htmx !== undefined && !document.querySelector("
                "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added, [aria-busy=true]')")

    def shot(self, label: str) -> Path:
        """Screenshot the whole page and check its accessibility."""
        self.settle()
        return self.camera.take(self.page, label, self.js)

    def mark_document(self) -> None:
        """Mark this document: the mark survives htmx swaps but not a full page load."""
        if self.js:
            self.page.evaluate("window.__e2eSameDocument = true")

    def same_document(self) -> bool:
        return bool(self.page.evaluate("window.__e2eSameDocument === true"))

    def open(self, path: str = "/signup/") -> None:
        self.page.goto(self.url_of(path))
        self.settle()

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(label, exact=True)

    def fill(self, label: str, value: str) -> None:
        self.field(label).fill(value)

    def choose(self, label: str) -> None:
        self.page.get_by_role("radio", name=label, exact=True).check()

    def press(self, button: str) -> None:
        self.page.get_by_role("button", name=button, exact=True).click()

    def continue_(self) -> None:
        self.press("Continue")

    def back_button(self) -> None:
        """The wizard's own Back button (not the browser's)."""
        self.press("Back")

    # -- checks ------------------------------------------------------------------------------

    def on_step(self, slug: str, number: Optional[int] = None, total: Optional[int] = None,
                label: Optional[str] = None, url: Optional[str | re.Pattern[str]] = None) -> None:
        """The step `slug` is shown: URL, heading, progress text; then screenshot and axe."""
        expect(self.page).to_have_url(url or self.url_of(f"/signup/{slug}"))
        expect(self.heading).to_have_text(STEP_TITLES[slug])
        if number is not None:
            expect(self.page.locator("p.progress")).to_have_text(
                f"Step {number} of {total}: {STEP_TITLES[slug]}")
        self.settle()
        self.urls.append(self.page.url)
        self.shot(label or slug)

    then_i_am_on_step = on_step

    def then_i_see(self, text: str | re.Pattern[str]) -> None:
        expect(self.page.get_by_text(text).first).to_be_visible()

    def then_the_field_holds(self, label: str, value: str) -> None:
        expect(self.field(label)).to_have_value(value)

    def then_the_choice_is(self, label: str) -> None:
        expect(self.page.get_by_role("radio", name=label, exact=True)).to_be_checked()

    def then_there_is_an_error(self, field_id: str, message: str) -> None:
        """Error summary with a link to the field, and the same message by the field."""
        expect(self.error_summary).to_be_visible()
        expect(self.error_summary.get_by_role("heading")).to_have_text("There is a problem")
        link = self.error_summary.get_by_role("link", name=message)
        expect(link).to_have_attribute("href", f"#{field_id}")
        by_field = self.page.locator(f"#{field_id}-error")
        expect(by_field).to_have_text(f"Error: {message}")
        expect(self.page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
        described = self.page.locator(f"#{field_id}").get_attribute("aria-describedby") or ""
        assert f"{field_id}-error" in described.split(), described

    def summary_value(self, label: str) -> Locator:
        """The answer shown on the review page for `label`."""
        row = self.page.locator(".summary-row").filter(
            has=self.page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$")))
        return row.locator("dd").first

    # -- the steps ---------------------------------------------------------------------------

    def when_i_start_signing_up(self) -> None:
        self.open("/signup/")
        self.mark_document()

    def when_i_enter_my_zip(self, zip_code: str) -> None:
        self.fill("ZIP code", zip_code)
        self.continue_()

    fill_zip = when_i_enter_my_zip

    def when_i_enter_promo(self, code: str = "") -> None:
        self.fill("Promo code (optional)", code)
        self.continue_()

    def when_i_say_it_is_for_my(self, kind: str = "Home (residential)") -> None:
        self.choose(kind)
        self.continue_()

    def when_i_heard_about_you_from(self, source: str = "Friend or family") -> None:
        self.choose(source)
        self.continue_()

    def when_i_sign_up_for(self, plan_name: str) -> None:
        self.page.get_by_role("button", name=f"Sign up for {plan_name}", exact=True).click()

    def when_i_am_a_new_customer(self) -> None:
        self.choose("No, I'm a new customer")
        self.continue_()

    def when_i_am_an_existing_customer(self) -> None:
        self.choose("Yes, I have a My Account login and want to add this address")
        self.continue_()

    def when_i_tell_about_me(self, me: Person, texas: bool = True) -> None:
        self.fill("First name", me.first_name)
        self.fill("Last name", me.last_name)
        self.fill("Email address", me.email)
        self.fill("Phone number", me.phone)
        self.choose("English")
        self.choose("Email")
        if texas:
            self.fill("Date of birth", me.date_of_birth)
            self.fill("Social Security number", me.ssn)
        self.continue_()

    def when_i_give_the_address(self, premise: Premise, *, move_in: Optional[dt.date] = None,
                                switch_on: Optional[dt.date] = None,
                                billing: Optional[dict[str, str]] = None,
                                submit: bool = True) -> None:
        self.fill("Street address", premise.street)
        self.fill("Apartment, suite or unit (optional)", premise.unit)
        self.fill("City", premise.city)
        self.fill(f"ESI ID ({premise.utility})", premise.esi_id)
        if billing:
            self.choose("To a different address")
            for label, value in billing.items():
                self.fill(label, value)
        else:
            self.choose("To the service address")
        if move_in:
            self.choose("Move-in: I am moving in and need electricity connected")
            self.fill("Move-in date", move_in.isoformat())
        else:
            self.choose("Switch: I live here now and am changing my electricity provider")
            if switch_on:
                self.choose("On a date I choose (the utility charges a fee for a chosen date)")
                self.fill("Switch date", switch_on.isoformat())
            else:
                self.choose("On the first available date (no extra fee)")
        if submit:
            self.continue_()

    def when_i_create_my_login(self, me: Person) -> None:
        self.fill("Username", me.username)
        self.fill("Password", me.password)
        self.continue_()

    def when_i_sign_in(self, me: Person) -> None:
        self.fill("Username", me.username)
        self.fill("Password", me.password)
        self.press("Sign in and continue")

    def when_i_confirm_every_statement(self) -> None:
        boxes = self.page.get_by_role("checkbox")
        expect(boxes).to_have_count(len(ACKNOWLEDGEMENTS))
        for text in ACKNOWLEDGEMENTS:
            self.page.get_by_role("checkbox", name=re.compile("^" + re.escape(text))).check()

    def when_i_enroll(self) -> None:
        self.when_i_confirm_every_statement()
        self.press("Enroll now")

    def then_i_am_enrolled(self) -> str:
        """The confirmation page; answers the enrollment number shown."""
        expect(self.page).to_have_url(self.url_of("/signup/confirmation"))
        expect(self.heading).to_have_text("You're enrolled")
        number = self.page.locator(".enrollment-number")
        expect(number).to_have_text(re.compile(r"^EN-[A-Z0-9]{8}$"))
        self.shot("confirmation")
        return number.inner_text()

    # -- whole stretches ---------------------------------------------------------------------

    def walk_to_plans(self, premise: Premise = DALLAS, promo: str = "",
                      referral: str = "Friend or family") -> None:
        """ZIP to the plans page (a fresh start, one utility for the ZIP)."""
        self.when_i_start_signing_up()
        self.on_step("zip", 1, 11)
        self.when_i_enter_my_zip(premise.zip)
        self.on_step("promo", 2, 10)
        self.when_i_enter_promo(promo)
        self.on_step("customer-type", 3, 10)
        self.when_i_say_it_is_for_my("Home (residential)")
        self.on_step("referral", 4, 10)
        self.when_i_heard_about_you_from(referral)
        self.on_step("plans", 5, 10)

    def walk_to_review(self, me: Person, premise: Premise = DALLAS,
                       plan: str = "Lone Star Saver 12", **address: Any) -> None:
        """A new customer from ZIP to the review page."""
        self.walk_to_plans(premise)
        self.when_i_sign_up_for(plan)
        self.on_step("customer", 6, 10)
        self.when_i_am_a_new_customer()
        self.on_step("about-you", 7, 10)
        self.when_i_tell_about_me(me)
        self.on_step("premise", 8, 10)
        self.when_i_give_the_address(premise, **address)
        self.on_step("credentials", 9, 10)
        self.when_i_create_my_login(me)
        self.on_step("review", 10, 10)
