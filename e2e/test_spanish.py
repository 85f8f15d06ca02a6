"""The customer side in Spanish (issue 14): a Spanish speaker enrolls and reads My Account and the
confirmation email in Spanish; the language switch in the header keeps every answer, with and
without JavaScript, and works inside an affiliate's iframe.

The pages are driven by field names, radio values and buttons' name/value (e2e/language.py's
`PolyglotCustomer`), never by their words; every page is checked to speak its language (its
`lang`, the switch, no English left on a Spanish page), screenshotted and checked by axe.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.mail_helpers import deliver_mail, html_of, text_of

from .browser import Camera
from .customer import DALLAS, Person
from .host_page import ACME_HOST, FramedCustomer, serve_host, snippet
from .language import PolyglotCustomer, english_words_in, proper_names
from .server import LiveServer

pytestmark = pytest.mark.e2e

SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                  "octubre", "noviembre", "diciembre")
#: A date as Spanish writes it: 6 de diciembre de 2026.
SPANISH_DATE = re.compile(rf"\b\d{{1,2}} de ({'|'.join(SPANISH_MONTHS)}) de \d{{4}}\b")

#: What the browser of a Spanish speaker in Texas asks for.
SPANISH_BROWSER = {"locale": "es-US"}
ENGLISH_BROWSER = {"locale": "en-US"}


@pytest.fixture
def open_polyglot(live_server: LiveServer, new_context: Callable[..., BrowserContext],
                  camera: Camera) -> Callable[..., PolyglotCustomer]:
    """A customer in a new browser context (`locale` es-US or en-US; `js=False`: no JavaScript)."""

    def make(language: str, js: bool = True) -> PolyglotCustomer:
        browser = SPANISH_BROWSER if language == "es" else ENGLISH_BROWSER
        context = new_context(base_url=live_server.base_url, java_script_enabled=js, **browser)
        context.set_default_timeout(10_000)
        return PolyglotCustomer(context.new_page(), live_server, camera, js=js, language=language)

    return make


def test_the_english_check_finds_english_words_and_leaves_spanish_and_names_alone() -> None:
    names = ["Lone Star Power", "Lone Star Saver 12"]
    assert [w.split()[0] for w in english_words_in("Choose your plan, then Continue.", names)] == \
        ["'Choose'", "'your'", "'Continue'"]
    assert english_words_in("You're enrolled", names)[0].startswith("\"You're\"")
    spanish = ("Elija su plan Lone Star Saver 12: allí use «Continuar». Se enteró por Lone Star Power; "
               "escriba a ana@example.com, vea https://example.com/account/ o Terms-of-Service-SAVER12-v1.pdf.")
    assert english_words_in(spanish, names) == []


def then_focus_is_on_the_heading(customer: PolyglotCustomer) -> None:
    """After an htmx swap the keyboard user starts at the new page's heading."""
    expect(customer.heading).to_be_focused()


def test_a_spanish_speaker_enrolls_reads_my_account_and_the_email_in_spanish(open_polyglot, live_server) -> None:
    me = Person()
    customer = open_polyglot("es")
    page = customer.page

    customer.when_i_start_signing_up()
    customer.on_step("zip", 1, 11)
    for slug, number, answer in (
            ("promo", 2, lambda: customer.when_i_enter_my_zip(DALLAS.zip)),
            ("customer-type", 3, lambda: customer.when_i_enter_promo("")),
            ("referral", 4, lambda: customer.when_i_say_it_is_for_my("residential")),
            ("plans", 5, lambda: customer.when_i_heard_about_you_from("friend")),
            ("customer", 6, lambda: customer.when_i_sign_up_for("SAVER12")),
            ("about-you", 7, customer.when_i_am_a_new_customer),
            ("premise", 8, lambda: customer.when_i_tell_about_me(me, language="es")),
            ("credentials", 9, lambda: customer.when_i_give_the_address(DALLAS)),
            ("review", 10, lambda: customer.when_i_create_my_login(me))):
        answer()
        customer.on_step(slug, number, 10)
        then_focus_is_on_the_heading(customer)
        if slug == "about-you":  # Texas asks date of birth and SSN
            expect(customer.by_name("date_of_birth")).to_be_visible()
            expect(customer.by_name("identity_value")).to_be_visible()

    # The review: every answer, the start date written the Spanish way.
    summary = page.locator(".summary")
    for value in ("75201", "Ana Garza", me.email, "(214) 555-0100", "***-**-6789",
                  "1200 Main St, Apt 4, Dallas, TX 75201", DALLAS.esi_id, me.username):
        expect(summary).to_contain_text(value)
    expect(summary).to_contain_text(SPANISH_DATE)

    customer.when_i_enroll()
    number = customer.then_i_am_enrolled()
    assert customer.same_document(), "a step was loaded as a full page instead of an htmx swap"
    expect(page.locator("main")).to_contain_text(SPANISH_DATE)  # until when the customer may cancel

    # My Account lists the enrollment, in Spanish.
    page.locator("main a.button[href$='/account/']").press("Enter")
    expect(page).to_have_url(live_server.url("/account/"))
    enrollments = page.locator("main table tbody tr")
    expect(enrollments).to_have_count(1)
    expect(enrollments.first).to_contain_text(number)
    expect(enrollments.first).to_contain_text(SPANISH_DATE)  # the day it was submitted
    customer.then_the_page_speaks("my-account")
    customer.shot("my-account-es")

    # The confirmation email is in Spanish too.
    [message] = deliver_mail(live_server.app)
    assert message["To"] == me.email
    assert str(message["Content-Language"] or "es").startswith("es"), message["Content-Language"]
    names = proper_names(live_server.app)
    subject = str(message["Subject"])
    assert number in subject and not english_words_in(subject, names), subject
    text = text_of(message)
    assert SPANISH_DATE.search(text), text
    left = english_words_in(text, names)
    assert not left, "English left in the confirmation email:\n" + "\n".join(left)
    assert re.search(r'<html[^>]*\blang="es"', html_of(message)), html_of(message)[:200]


def test_switching_language_mid_wizard_keeps_every_answer(open_polyglot) -> None:
    me = Person()
    customer = open_polyglot("en")
    page = customer.page
    customer.photographing = False  # the English steps are the other tests'; here the switch counts
    customer.walk_to_about_you()
    customer.photographing = True
    customer.shot("about-you-en")

    # Typed, not sent; then "Español" in the header.
    customer.when_i_type_about_me(me, language="en")
    customer.switch_to("es")
    customer.on_step("about-you", 7, 10, label="about-you-after-switch")
    for name in ("first_name", "last_name", "email", "phone"):
        customer.then_the_field_holds(name, getattr(me, name))
    customer.then_the_choice_is("language", "en")
    customer.then_the_choice_is("contact_method", "email")
    # Date of birth and SSN are kept only once sent (encrypted), never as typed: as with Back.
    customer.then_the_field_holds("date_of_birth", "")
    customer.then_the_field_holds("identity_value", "")

    # Back, in Spanish: the earlier answers are there.
    customer.back_button()
    customer.on_step("customer", 6, 10, label="customer-back")
    customer.then_the_choice_is("customer_status", "new")
    customer.back_button()
    customer.on_step("plans", 5, 10, label="plans-back")
    expect(page.locator("article.plan-chosen")).to_have_attribute("aria-labelledby", "plan-SAVER12")
    customer.back_button()
    customer.on_step("referral", 4, 10, label="referral-back")
    customer.then_the_choice_is("referral", "friend")

    # Back to English, and on to the review: every answer, the typed ones included.
    customer.switch_to("en")
    customer.on_step("referral", 4, 10, label="referral-english-again")
    customer.then_the_choice_is("referral", "friend")
    customer.photographing = False
    customer.submit()
    customer.on_step("plans", 5, 10)
    customer.when_i_sign_up_for("SAVER12")
    customer.on_step("customer", 6, 10)
    customer.submit()
    customer.on_step("about-you", 7, 10)
    customer.then_the_field_holds("first_name", me.first_name)
    customer.then_the_field_holds("email", me.email)
    customer.type_in("date_of_birth", me.date_of_birth)
    customer.type_in("identity_value", me.ssn)
    customer.submit()
    customer.on_step("premise", 8, 10)
    customer.when_i_give_the_address(DALLAS)
    customer.on_step("credentials", 9, 10)
    customer.when_i_create_my_login(me)
    customer.photographing = True
    customer.on_step("review", 10, 10)
    summary = page.locator(".summary")
    for value in ("75201", "Friend or family", "Lone Star Saver 12", "Ana Garza", me.email, "(214) 555-0100",
                  "***-**-6789", "1200 Main St, Apt 4, Dallas, TX 75201", DALLAS.esi_id, me.username):
        expect(summary).to_contain_text(value)


def test_the_switch_keeps_the_answers_without_javascript(open_polyglot) -> None:
    """Without JavaScript the switch is its own little form: it keeps every answer sent so far (what
    was typed on the page and not sent needs app.js, which sends the step's form with the choice)."""
    me = Person()
    customer = open_polyglot("en", js=False)
    customer.photographing = False
    customer.walk_to_about_you()
    assert customer.page.evaluate("typeof window.htmx") == "undefined", "JavaScript should be off"
    customer.when_i_tell_about_me(me, language="en")
    customer.on_step("premise", 8, 10)
    customer.photographing = True

    customer.switch_to("es")
    customer.on_step("premise", 8, 10, label="premise-after-switch")
    customer.back_button()
    customer.on_step("about-you", 7, 10, label="about-you-back")
    for name in ("first_name", "last_name", "email", "date_of_birth"):
        customer.then_the_field_holds(name, getattr(me, name))
    # The preferred language is the draft's language: the switch changed it too (its emails follow it).
    customer.then_the_choice_is("language", "es")
    customer.then_the_choice_is("contact_method", "email")
    customer.back_button()
    customer.on_step("customer", 6, 10, label="customer-back")
    customer.then_the_choice_is("customer_status", "new")

    customer.switch_to("en")
    customer.on_step("customer", 6, 10, label="customer-english-again")
    customer.then_the_choice_is("customer_status", "new")
    customer.submit()
    customer.on_step("about-you", 7, 10, label="about-you-english-again")
    customer.then_the_field_holds("first_name", me.first_name)
    customer.then_the_field_holds("email", me.email)


class FramedPolyglot(PolyglotCustomer, FramedCustomer):
    """The polyglot customer inside an affiliate's iframe (its URL is the frame's: not checked)."""

    def then_the_address_is(self, slug: str, url: Any = None) -> None:
        pass


def test_the_embedded_wizard_speaks_spanish_and_switches_in_its_own_header(new_context, live_server, camera) -> None:
    context = new_context(**SPANISH_BROWSER)
    context.set_default_timeout(10_000)
    with serve_host(ACME_HOST, snippet(live_server)) as site:
        host = context.new_page()
        host.goto(site.url)
        customer = FramedPolyglot(host, "energy-wizard-ACME", live_server, camera, js=True, language="es")
        frame = customer.page
        customer.when_i_start_signing_up()
        customer.on_step("zip", 1, 11)
        expect(frame.locator(".site-header .language-switch")).to_have_count(1)  # in the frame's own header

        customer.when_i_enter_my_zip(DALLAS.zip)
        customer.on_step("promo", 2, 10)
        customer.type_in("promo", "SAVE10")

        customer.switch_to("en")
        customer.on_step("promo", 2, 10, label="promo-english")
        customer.then_the_field_holds("promo", "SAVE10")
        customer.switch_to("es")
        customer.on_step("promo", 2, 10, label="promo-spanish-again")
        customer.then_the_field_holds("promo", "SAVE10")
        customer.submit()
        customer.on_step("customer-type", 3, 10)
