"""Problems these browser tests found in the app (fixed in f35694f); kept so they stay fixed."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from wizard.core import dates

from .customer import DALLAS, Customer, Person, after_browser_restart, long_date

pytestmark = pytest.mark.e2e


def test_header_shows_the_customer_signed_in_after_enrolling(customer: Customer) -> None:
    """The account links sit outside the htmx-swapped panel: they must follow the sign-in state."""
    customer.walk_to_review(Person())
    customer.when_i_enroll()
    customer.then_i_am_enrolled()  # reached by an htmx swap, like every step
    assert customer.same_document()

    nav = customer.page.get_by_role("navigation", name="Account")
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    expect(nav.get_by_role("link", name="My Account")).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in to My Account")).to_have_count(0)

    # Signing out (a plain form in the header) works from the swapped-in header.
    nav.get_by_role("button", name="Sign out").click()
    expect(customer.page).to_have_url(customer.url_of("/account/login"))
    customer.then_i_see("You are signed out.")
    expect(nav.get_by_role("link", name="Sign in to My Account")).to_be_visible()
    customer.shot("signed-out")


def test_dates_follow_the_market_day(open_customer, monkeypatch) -> None:
    """Evenings in Texas are already tomorrow in UTC: dates shown follow the market's calendar.

    The server runs in this process, so its market time zone is moved to one whose calendar day
    differs from UTC's right now (UTC-12 before noon UTC, UTC+14 after): the app must then count
    every date from the market's day, never from the UTC day of the stored timestamp.
    """
    now = dt.datetime.now(dt.UTC)
    zone = ZoneInfo("Etc/GMT+12" if now.hour < 12 else "Etc/GMT-14")
    monkeypatch.setattr(dates, "MARKET_TZ", zone)
    market_day = now.astimezone(zone).date()
    assert market_day != now.date()

    customer: Customer = open_customer(js=False)
    customer.walk_to_review(Person())
    first_available = long_date(dates.first_available_switch(market_day, 3))
    expect(customer.summary_value("Start date")).to_contain_text(f"about {first_available},")
    customer.when_i_enroll()
    customer.then_i_am_enrolled()
    customer.then_i_see(f"Switch on the first available date, about {first_available}")
    customer.then_i_see("that is until " + long_date(dates.rescission_ends(market_day, 3)) + ".")

    customer.page.get_by_role("link", name="Go to My Account").click()
    expect(customer.heading).to_have_text("My Account")
    submitted = customer.page.get_by_role("table").locator("tbody tr td").nth(2)
    expect(submitted).to_have_text(f"{market_day:%B} {market_day.day}, {market_day.year}")


def test_progress_text_is_announced_as_written(customer: Customer) -> None:
    """'Step N of M' is plain text: no aria-label (prohibited on a paragraph) hides it."""
    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip", 1, 11)
    results = customer.camera.axe.run(customer.page, options={"resultTypes": ["violations", "incomplete"]})
    flagged = [(v["id"], v["impact"]) for v in results.response["incomplete"] + results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert flagged == [], flagged
    expect(customer.page.get_by_role("paragraph").filter(has_text="Step 1 of 11")).not_to_have_attribute(
        "aria-label", "Progress")


def test_signing_in_mid_signup_keeps_the_draft_across_a_browser_restart(open_customer) -> None:
    """Signing in to My Account renews the session; the draft must still outlive the browser."""
    me = Person()
    first = open_customer(js=False)
    first.walk_to_review(me)
    first.when_i_enroll()
    first.then_i_am_enrolled()
    first.page.context.close()

    customer: Customer = open_customer()
    customer.when_i_start_signing_up()
    customer.when_i_enter_my_zip("77002")
    customer.then_i_am_on_step("promo", 2, 10)

    # Signing in to My Account from the header, in the middle of the signup.
    customer.page.get_by_role("link", name="Sign in to My Account").click()
    expect(customer.heading).to_have_text("Sign in to My Account")
    customer.fill("Username", me.username)
    customer.fill("Password", me.password)
    customer.press("Sign in")
    expect(customer.heading).to_have_text("My Account")
    customer.shot("my-account")

    # The browser is closed and opened again: the signup resumes after the ZIP code.
    restarted = open_customer(storage_state=after_browser_restart(customer.page.context))
    restarted.open("/signup/")
    restarted.then_i_am_on_step("promo", 2, 10, label="resumed-promo")
    restarted.then_the_field_holds("Promo code (optional)", "")
    expect(restarted.page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out")).to_be_visible()


NARROW = {"width": 320, "height": 640}  # the narrowest phone WCAG's reflow criterion (1.4.10) asks for


def _fits_the_width(customer: Customer, label: str) -> None:
    """Nothing on the page scrolls sideways, and every element stays inside the panel."""
    page = customer.page
    scroll_width, client_width = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert scroll_width <= client_width, (label, scroll_width, client_width)
    poking_out = page.evaluate("""() => {
        const panel = document.getElementById('panel').getBoundingClientRect();
        return [...document.querySelectorAll('#panel *')]
          .filter(el => el.getClientRects().length && !el.closest('.visually-hidden'))
          .map(el => [el, el.getBoundingClientRect()])
          .filter(([el, box]) => box.right > panel.right + 0.5 || box.left < panel.left - 0.5)
          .map(([el, box]) => `${el.tagName}.${el.className} ${Math.round(box.left)}-${Math.round(box.right)}`);
    }""")
    assert poking_out == [], (label, poking_out)


def test_nothing_scrolls_sideways_on_a_320px_phone(open_customer) -> None:
    """Plan cards fit the panel and My Account's enrollments fit the screen at 320 CSS pixels."""
    customer: Customer = open_customer(viewport=NARROW)
    customer.walk_to_plans()
    _fits_the_width(customer, "plans")
    cards = customer.page.get_by_role("article")
    expect(cards).to_have_count(7)
    panel = customer.page.locator("#panel").bounding_box()
    for i in range(cards.count()):
        card = cards.nth(i).bounding_box()
        assert panel["x"] <= card["x"] and card["x"] + card["width"] <= panel["x"] + panel["width"], (i, card, panel)

    customer.when_i_sign_up_for("Lone Star Saver 12")
    customer.when_i_am_a_new_customer()
    customer.when_i_tell_about_me(Person())
    customer.when_i_give_the_address(DALLAS)
    customer.when_i_create_my_login(Person())
    customer.on_step("review", 10, 10)
    _fits_the_width(customer, "review")
    customer.when_i_enroll()
    customer.then_i_am_enrolled()
    _fits_the_width(customer, "confirmation")

    customer.page.get_by_role("link", name="Go to My Account").click()
    expect(customer.heading).to_have_text("My Account")
    customer.page.get_by_text("History").first.click()  # the opened history must fit too
    customer.shot("my-account-320px")
    _fits_the_width(customer, "my account")
    row = customer.page.get_by_role("row").filter(has_text="Lone Star Saver 12")
    expect(row).to_contain_text("New Enrollment Saved")
