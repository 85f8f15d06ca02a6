"""An agent enrolls a caller on Quick Enrollment in Chromium, keyboard first (Tab to each field, type,
Space and arrows for choices, Enter for buttons), with axe on every page; the enrollment reaches
the stand-in billing system once, and the caller sets their own My Account password."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.admin_helpers import STAFF_PASSWORD, make_staff
from tests.billing_fixtures import StandInProcess, live_billing_settings, wait_for
from tests.mail_helpers import deliver_mail, mailbox, text_of

from .browser import Camera
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e

ACTIVE = "(() => { const e = document.activeElement; return {id: e.id, name: e.getAttribute('name'), " \
         "value: e.value, text: (e.innerText || '').trim(), tag: e.tagName}; })()"


@pytest.fixture
def standin():
    process = StandInProcess(accept_after=0.5).start()
    yield process
    process.stop()


@pytest.fixture
def server_settings(standin):
    """Web-service billing with the worker thread in the server, as the README's demo runs it."""
    return live_billing_settings(standin.url)


class Agent(StaffMember):
    """A call-centre agent on Quick Enrollment, using the keyboard."""

    def focused(self) -> dict:
        return self.page.evaluate(ACTIVE)

    def tab_to(self, matches: Callable[[dict], bool], limit: int = 80) -> dict:
        """Press Tab until the focused element matches (every field is reachable in order)."""
        element: dict = {}
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            element = self.focused()
            if matches(element):
                return element
        raise AssertionError(f"Tab never reached the element; last focus: {element}")

    def type_into(self, field_id: str, text: str) -> None:
        self.tab_to(lambda e: e["id"] == field_id)
        self.page.keyboard.type(text)

    def choose(self, name: str, value: str) -> None:
        """Tab into a radio group, then arrow to the choice (arrows check it); Space if already on it."""
        element = self.tab_to(lambda e: e["name"] == name)
        for _ in range(12):
            if element["value"] == value:
                self.page.keyboard.press("Space")
                return
            self.page.keyboard.press("ArrowDown")
            element = self.focused()
        raise AssertionError(f"no choice {value} in {name}")

    def press_by_keyboard(self, button: str) -> None:
        self.tab_to(lambda e: e["tag"] == "BUTTON" and e["text"] == button)
        self.page.keyboard.press("Enter")


def test_an_agent_enrolls_a_caller_on_the_phone(live_server: LiveServer, new_context: Callable[..., BrowserContext],
                                                camera: Camera, standin) -> None:
    alex = Agent.signed_in(live_server, new_context, camera, "alex@example.com", "agent")
    page = alex.page

    # The menu leads to the screen.
    alex.tab_to(lambda e: e["tag"] == "A" and e["text"] == "Quick Enrollment")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quick Enrollment")
    alex.shot("screen-empty")

    # Where and who: with htmx the rest of the screen comes in as soon as they are answered.
    alex.type_into("zip", "75201")
    alex.choose("customer_type", "residential")
    expect(page.get_by_role("group", name="Plan the customer chooses")).to_be_visible()
    phone_plan = page.get_by_label("Phone Special 12 Agents only")
    expect(phone_plan).to_be_visible()
    alex.shot("screen-plans")

    alex.choose("referral", "friend")
    alex.choose("plan", "PHONE12")
    expect(phone_plan).to_be_checked()
    for field_id, text in (("first_name", "Ana"), ("last_name", "Garza"), ("email", "ana@example.com"),
                           ("phone", "(214) 555-0100")):
        alex.type_into(field_id, text)
    alex.tab_to(lambda e: e["id"] == "date_of_birth")
    page.locator("#date_of_birth").fill("1980-03-27")  # the date picker's segments vary by locale
    alex.type_into("identity_value", "234-56-7890")

    # The address: found in the premise table, it fills the city and the ESI ID.
    alex.type_into("service_line1", "100 Main")
    alex.press_by_keyboard("Find the address")
    expect(page.locator(".address-count")).to_contain_text("found")
    alex.shot("address-results")
    alex.press_by_keyboard("Use this address")
    expect(page.locator("#esi_id")).to_have_value("10443720748526057")
    expect(page.get_by_role("status").filter(has_text="is served by Oncor")).to_be_visible()
    expect(page.locator("#identity_value")).to_have_value("")  # never shown back...
    expect(page.get_by_text("Given: ***-**-7890")).to_be_visible()  # ...but kept
    alex.choose("enrollment_type", "switch")
    alex.shot("screen-filled")
    alex.press_by_keyboard("Review with the customer")

    # The review: the statements read to the caller, each ticked; the call's reference.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review with the customer")
    expect(page.get_by_text("Phone Special 12: 10.9¢ per kWh, 12 months")).to_be_visible()
    alex.shot("review")
    alex.press_by_keyboard("Enroll the customer")  # nothing ticked, no consent: refused, said so
    expect(page.locator(".error-summary")).to_contain_text("Choose how the customer consented")
    alex.shot("review-refused")
    checkboxes = page.get_by_role("checkbox")
    for index in range(checkboxes.count()):
        alex.tab_to(lambda e, i=index: e["id"] == checkboxes.nth(i).get_attribute("id"))
        page.keyboard.press("Space")
    alex.choose("consent_method", "phone")
    alex.type_into("consent_reference", "TPV-77812")
    alex.shot("review-ready")
    page.keyboard.press("Enter")

    # The confirmation: the number, the set-password email; never a username or password.
    expect(page.get_by_role("heading", level=1)).to_have_text("Enrolled")
    number = page.locator(".enrollment-number").inner_text()
    assert re.fullmatch(r"EN-[A-Z0-9]{8}", number)
    expect(page.get_by_text("a link to set their My Account password")).to_be_visible()
    assert "password:" not in page.content().lower()
    alex.shot("confirmation")

    # The billing system receives it once, from the agent channel, with the call's reference.
    body = wait_for(lambda: _received(standin, number), 15, "the stand-in to receive the prospect")
    assert body["channel"] == "agent" and body["plan_code"] == "PHONE12"
    assert body["consent"]["method"] == "phone" and body["consent"]["reference"] == "TPV-77812"
    assert body["esi_id"] == "10443720748526057"
    assert standin.stats()["prospects_created"] == 1

    # The caller's email has a link to choose the password, and no password.
    def welcome():  # the server's mail thread may have sent it already
        deliver_mail(live_server.app)
        return next((m for m in mailbox(live_server.app)
                     if m["To"] == "ana@example.com" and "password" in m["Subject"].lower()), None)

    text = text_of(wait_for(welcome, 10, "the email to choose a password"))
    assert re.search(r"https?://\S+", text)

    # "Enroll another address for this customer": the screen again, the customer known.
    alex.press_by_keyboard("Enroll another address for this customer")
    expect(page.get_by_text("Another address for Ana Garza")).to_be_visible()
    expect(page.locator("#first_name")).to_have_count(0)
    alex.shot("another-address")


def _received(standin: StandInProcess, number: str) -> dict | None:
    try:
        return standin.received(number)
    except OSError:
        return None


def test_without_javascript_the_zip_brings_its_utilities_and_errors_link_to_fields(
        live_server: LiveServer, new_context: Callable[..., BrowserContext], camera: Camera) -> None:
    make_staff(live_server.app, "alex@example.com", "agent")
    context = new_context(base_url=live_server.base_url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    alex = Agent(context.new_page(), live_server, camera)
    page = alex.page
    alex.page.goto(live_server.url("/admin/login"))
    alex.field("Email address").fill("alex@example.com")
    alex.field("Password").fill(STAFF_PASSWORD)
    alex.press("Sign in")
    page.goto(live_server.url("/admin/agent/"))

    # Galveston is split between two utilities: the first submit shows the choice.
    alex.field("ZIP code").fill("77550")
    page.get_by_label("Home (residential)").check()
    alex.press("Show plans")
    utilities = page.get_by_role("group", name="Which utility delivers electricity to this address?")
    expect(utilities).to_be_visible()
    expect(utilities.get_by_role("radio")).to_have_count(2)
    camera.take(page, "no-js-utilities", js=False)

    # Review without the rest: the service's messages, each linked to its field; the ZIP kept.
    alex.press("Review with the customer")
    summary = page.locator(".error-summary")
    summary.get_by_role("link", name="Choose the utility that serves the address.").click()
    expect(page.locator("#utility-0")).to_be_focused()
    expect(alex.field("ZIP code")).to_have_value("77550")
    camera.take(page, "no-js-utility-error", js=False)

    page.get_by_role("radio", name="Texas-New Mexico Power (TNMP)").check()
    alex.press("Review with the customer")
    first_name = page.locator("#first_name")
    expect(first_name).to_have_attribute("aria-describedby", re.compile("first_name-error"))
    summary.get_by_role("link", name="Enter your first name.").click()
    expect(first_name).to_be_focused()
    expect(page.get_by_role("radio", name="Texas-New Mexico Power (TNMP)")).to_be_checked()
    camera.take(page, "no-js-errors", js=False)
