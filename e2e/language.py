"""A page's language as a reader notices it, and a customer who drives the wizard without reading its words.

`then_the_page_speaks` checks the `<html lang>`, the header's language switch and, on a Spanish
page, that no English is left in what the page shows (`english_left`: ENGLISH_WORDS, whole words,
outside the catalog's proper names and outside parts marked `lang="en"`). Tune the word list and
the names it skips here, in one place. `PolyglotCustomer` is the e2e `Customer` acting by field
names, radio values, buttons' name/value and the step's URL, so one walk works in either language.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from flask import Flask
from playwright.sync_api import Frame, Locator, Page, expect
from sqlalchemy import select

from wizard.catalog.models import Affiliate, Plan, Utility
from wizard.core.extensions import db

from .customer import DALLAS, Customer, Person, Premise

#: Common English words no Spanish sentence holds (and that no customer, street or plan is named by
#: once the names below are set aside), by theme. Left out on purpose: words Spanish spells the same
#: or that Spanish pages keep ("plan", "total", "error", "email", "promo", "radio", "social",
#: "federal", "variable", "base", "suite", "use", "no", "me", "he", "has", "a", "at", "date", "login",
#: "main" as in "Main St").
ENGLISH_WORDS = frozenset("""
    the your you and with from for this that these our we are is have will what which when where how
    or of to not all more every each only already again before after about here there now until within
    yes new other first last next

    choose enter continue back please skip find create read accept authorize cancel call check
    sign signed send select change review help opens tab

    plans step steps problem password username account enrollment enroll enrolled confirmation
    documents my home business small residential commercial customer existing provider retail
    address street city state unit code optional phone number name language preferred contact message
    text mail birth security credit deposit heard friend family search engine website questions content

    month months day days price fee free average energy electricity charge rate type fixed term early
    termination renewable bill bills switch start available service terms rights facts label
    status history submitted pending accepted rejected
""".split())

#: Official names a Spanish text may quote in English, beside its Spanish name.
KEPT_IN_ENGLISH = ("Public Utility Commission of Texas", "Electric Service Identifier")

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")  # letters of any alphabet: "allí" is not "all"
_EMAIL_URL_OR_FILE = re.compile(r"\S+@\S+|https?://\S+|[\w.-]+\.(?:pdf|html|png)\b")

#: What a page shows in its language: the visible text of the skip link, header, main and footer
#: (with what screen readers read out: visually hidden spans, aria-label, title, alt) and the
#: document's title. Text inside an element marked with another language (the switch's "English", a name
#: kept in English with lang="en") is that language's, and not returned.
_SHOWN_TEXT = """(lang) => {
  const parts = [document.title];
  const speaks = (el) => ((el.closest('[lang]') || document.documentElement).getAttribute('lang') || '')
      .toLowerCase().split('-')[0] === lang;
  for (const root of document.querySelectorAll('body > .skip-link, body > header, main, body > footer')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
      if (!el || el.closest('script, style, template, noscript') || !speaks(el)) continue;
      if (node.nodeType === Node.TEXT_NODE) {
        if (el.checkVisibility()) parts.push(node.textContent);
      } else {
        for (const attr of ['aria-label', 'title', 'alt', 'placeholder']) {
          if (node.hasAttribute(attr)) parts.push(node.getAttribute(attr));
        }
      }
    }
  }
  return parts.join(' ');
}"""


def proper_names(app: Flask) -> list[str]:
    """Names a Spanish page may show in English: the supplier, affiliates (and their own welcome
    text, which only they write), utilities and plans (a plan without a Spanish name keeps its own).
    Longest first, so that a name inside another is not cut out of it first."""
    names = {app.config["SUPPLIER_NAME"], *KEPT_IN_ENGLISH}
    with db.sessionmaker(app)() as session:
        for affiliate in session.scalars(select(Affiliate)):
            names |= {affiliate.name, affiliate.display_name or "", affiliate.welcome_text or ""}
        names |= set(session.scalars(select(Utility.name)))
        for plan in session.scalars(select(Plan)):
            names |= {plan.name, getattr(plan, "name_es", None) or ""}
    return sorted((n for n in names if n), key=len, reverse=True)


def english_words_in(text: str, names: Iterable[str] = ()) -> list[str]:
    """The ENGLISH_WORDS in `text` (whole words, any case), with each of `names` and every email
    address, URL and file name (an attachment's) set aside first; each given with a little of the
    text around it, to find it on the page."""
    for name in names:
        text = text.replace(name, " ")
    text = " ".join(_EMAIL_URL_OR_FILE.sub(" ", text).split())
    found: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if word in ENGLISH_WORDS or re.split("['’]", word)[0] in ENGLISH_WORDS:
            found.append(f"{match.group()!r} in “…{text[max(0, match.start() - 30):match.end() + 30]}…”")
    return found


def english_left(page: Page | Frame, names: Iterable[str] = ()) -> list[str]:
    """The English words a Spanish page still shows (see `english_words_in`)."""
    return english_words_in(page.evaluate(_SHOWN_TEXT, "es"), names)


def then_the_page_speaks(page: Page | Frame, code: str, names: Iterable[str] = (), where: str = "") -> None:
    """The page is in `code` ("es" or "en"): its `lang`, the header's switch naming the current
    language and offering the other as a button in its own language; a Spanish page shows no
    English outside the `names`."""
    expect(page.locator("html")).to_have_attribute("lang", code)
    switch = page.locator(".language-switch")
    current, other = ("Español", "English") if code == "es" else ("English", "Español")
    other_code = "en" if code == "es" else "es"
    expect(switch.locator("[aria-current=true]")).to_have_text(current)
    button = switch.locator(f"button[name=switch_language][value={other_code}]")
    expect(button).to_have_text(other)
    assert button.evaluate("b => b.closest('[lang]').getAttribute('lang')") == other_code
    if code == "es":
        left = english_left(page, names)
        assert not left, f"English left on the Spanish page {where or page.url}:\n" + "\n".join(left)


class PolyglotCustomer(Customer):
    """The e2e `Customer`, acting without reading the page's words: fields by name, choices by
    value, buttons by their name and value, steps by URL. Every step reached is checked to speak
    `language` (see `then_the_page_speaks`), screenshotted and checked by axe."""

    def __init__(self, *args: Any, language: str = "es", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.language = language
        self.photographing = True  # off while a story only walks to the part it is about
        self.names = proper_names(self.server.app)

    # -- low level --------------------------------------------------------------------------

    def by_name(self, name: str) -> Locator:
        return self.page.locator(f"#panel [name={name}]")

    def type_in(self, name: str, value: str) -> None:
        self.by_name(name).fill(value)

    def pick(self, name: str, value: str) -> None:
        """Choose a radio button with the keyboard's Space (as `check` would, only by key)."""
        radio = self.page.locator(f"#panel input[type=radio][name={name}][value='{value}']")
        radio.press("Space")
        expect(radio).to_be_checked()

    def submit(self) -> None:
        """The step form's main button (the first submit button without a name), by Enter."""
        button = self.page.locator("#panel form .buttons button[type=submit]:not([name])").first
        button.press("Enter")

    continue_ = submit

    def back_button(self) -> None:
        self.page.locator("#panel button[name=nav][value=back]").press("Enter")

    def switch_to(self, code: str) -> None:
        """Press the other language in the header: the whole page comes back in it."""
        self.page.locator(f".language-switch button[name=switch_language][value={code}]").click()
        expect(self.page.locator("html")).to_have_attribute("lang", code)
        self.language = code
        self.mark_document()

    # -- checks ------------------------------------------------------------------------------

    def then_the_page_speaks(self, where: str = "") -> None:
        then_the_page_speaks(self.page, self.language, self.names, where)

    def on_step(self, slug: str, number: Optional[int] = None, total: Optional[int] = None,
                label: Optional[str] = None, url: Any = None) -> None:
        """The step `slug` (by its URL), in this customer's language; the progress has its numbers."""
        self.then_the_address_is(slug, url)
        expect(self.heading).not_to_be_empty()
        if number is not None:
            expect(self.page.locator("p.progress")).to_have_text(re.compile(rf"\b{number}\D+{total}\b"))
        self.settle()
        self.urls.append(self.page.url)
        self.then_the_page_speaks(slug)
        if self.photographing:
            self.shot(f"{label or slug}-{self.language}")

    then_i_am_on_step = on_step

    def then_the_address_is(self, slug: str, url: Any = None) -> None:
        expect(self.page).to_have_url(url or re.compile(re.escape(self.url_of(f"/signup/{slug}")) + r"(\?.*)?$"))

    def then_the_field_holds(self, name: str, value: str) -> None:
        expect(self.by_name(name)).to_have_value(value)

    def then_the_choice_is(self, name: str, value: str) -> None:  # type: ignore[override]
        expect(self.page.locator(f"#panel input[type=radio][name={name}][value='{value}']")).to_be_checked()

    # -- the steps ---------------------------------------------------------------------------

    def when_i_enter_my_zip(self, zip_code: str) -> None:
        self.type_in("zip", zip_code)
        self.by_name("zip").press("Enter")

    def when_i_enter_promo(self, code: str = "") -> None:
        self.type_in("promo", code)
        self.submit()

    def when_i_say_it_is_for_my(self, kind: str = "residential") -> None:
        self.pick("customer_type", kind)
        self.submit()

    def when_i_heard_about_you_from(self, source: str = "friend") -> None:
        self.pick("referral", source)
        self.submit()

    def when_i_sign_up_for(self, plan_code: str) -> None:
        self.page.locator(f"#panel button[name=plan][value='{plan_code}']").press("Enter")

    def when_i_am_a_new_customer(self) -> None:
        self.pick("customer_status", "new")
        self.submit()

    def when_i_type_about_me(self, me: Person, language: str = "es") -> None:
        """Fill About you (Texas: date of birth and SSN too) without sending it."""
        self.type_in("first_name", me.first_name)
        self.type_in("last_name", me.last_name)
        self.type_in("email", me.email)
        self.type_in("phone", me.phone)
        self.pick("language", language)
        self.pick("contact_method", "email")
        self.type_in("date_of_birth", me.date_of_birth)
        self.type_in("identity_value", me.ssn)

    def when_i_tell_about_me(self, me: Person, language: str = "es") -> None:  # type: ignore[override]
        self.when_i_type_about_me(me, language)
        self.submit()

    def when_i_give_the_address(self, premise: Premise = DALLAS, **_: Any) -> None:  # type: ignore[override]
        """A switch on the first available date, bills to the service address."""
        self.type_in("service_line1", premise.street)
        self.type_in("service_line2", premise.unit)
        self.type_in("service_city", premise.city)
        self.type_in("esi_id", premise.esi_id)
        self.pick("billing_same", "yes")
        self.pick("enrollment_type", "switch")
        self.pick("start_timing", "first_available")
        self.submit()

    def when_i_create_my_login(self, me: Person) -> None:
        self.type_in("username", me.username)
        self.type_in("password", me.password)
        self.submit()

    def when_i_enroll(self) -> None:
        """Tick every statement (Space on each box), then the review form's main button."""
        boxes = self.page.locator("#panel input[type=checkbox][name^=ack_]")
        expect(boxes).to_have_count(4)
        for box in boxes.all():
            box.press("Space")
            expect(box).to_be_checked()
        self.submit()

    def then_i_am_enrolled(self) -> str:
        expect(self.page).to_have_url(self.url_of("/signup/confirmation"))
        number = self.page.locator(".enrollment-number")
        expect(number).to_have_text(re.compile(r"^EN-[A-Z0-9]{8}$"))
        self.then_the_page_speaks("confirmation")
        self.shot(f"confirmation-{self.language}")
        return number.inner_text()

    # -- whole stretches ---------------------------------------------------------------------

    def walk_to_about_you(self, premise: Premise = DALLAS, plan: str = "SAVER12") -> None:
        """ZIP to About you, a new home customer heard of us from a friend; each step checked."""
        self.when_i_start_signing_up()
        self.on_step("zip", 1, 11)
        self.when_i_enter_my_zip(premise.zip)
        self.on_step("promo", 2, 10)
        self.when_i_enter_promo("")
        self.on_step("customer-type", 3, 10)
        self.when_i_say_it_is_for_my("residential")
        self.on_step("referral", 4, 10)
        self.when_i_heard_about_you_from("friend")
        self.on_step("plans", 5, 10)
        self.when_i_sign_up_for(plan)
        self.on_step("customer", 6, 10)
        self.when_i_am_a_new_customer()
        self.on_step("about-you", 7, 10)
