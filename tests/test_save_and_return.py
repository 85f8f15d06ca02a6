"""Save and return: "Finish later" on any step emails a single-use link that resumes the draft,
with every answer and what was typed on the page, in another browser."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import func, select, update

from billing.models import Enrollment
from wizard.mail.models import EmailToken, MailMessage
from wizard.signup.models import Draft

from wizard.core.dates import market_time

from .helpers import ACKS, DALLAS_SWITCH, Wizard, csrf_token
from .mail_helpers import deliver_mail, html_of, text_of
from .test_embed import EmbeddedCustomer, field, form_action, text

LINK = re.compile(r"http://localhost(/(?:embed/[A-Z]+/)?signup/resume/[A-Za-z0-9_-]+)")


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def finish_later(wizard: Wizard, slug: str, typed: dict, email: str = "ana@example.com"):
    """On step `slug`, type `typed`, press Finish later, give `email`; answer the page reached."""
    left = wizard.post(f"/signup/{slug}", {**typed, "nav": "later"})
    assert left.status_code == 303 and left.location.endswith("/signup/finish-later"), left.location
    sent = wizard.post("/signup/finish-later", {"email": email})
    assert sent.status_code == 303 and sent.location.endswith("/signup/finish-later/sent"), page(sent)
    return wizard.client.get(sent.location)


def the_link(app) -> str:
    """The path of the resume link in the one email delivered now."""
    (message,) = deliver_mail(app)
    found = LINK.search(text_of(message))
    assert found, text_of(message)
    return found.group(1)


def open_link(client, path: str):
    """Open the emailed link and press its button, as the customer does."""
    shown = client.get(path)
    assert shown.status_code == 200, page(shown)
    return client.post(path, data={"csrf_token": csrf_token(page(shown))})


def test_finish_later_emails_a_link_that_resumes_everything_in_another_browser(app, wizard, session):
    wizard.walk(until="premise")
    sent = finish_later(wizard, "premise", {"service_line1": "1200 Main St", "service_city": "Dallas",
                                            "esi_id": "1044372000", "identity_value": "234-56-7890"})
    shown = page(sent)
    draft = session.scalar(select(Draft))
    until = market_time(session.scalar(select(EmailToken.expires_at)))  # Central time, to the minute
    assert f"We've emailed a link to ana@example.com. It works once, until {until}." in shown

    (message,) = deliver_mail(app)
    assert message["To"] == "ana@example.com" and message["Subject"] == "Your link to finish signing up"
    body = text_of(message)
    assert f"The link works once, until {until}." in body and "We keep your answers for 72 hours" in body
    path = LINK.search(body).group(1)
    assert path in html_of(message)
    assert draft.id not in body and draft.id not in html_of(message) and draft.id not in path

    other = app.test_client()  # another device: no cookie, no draft
    assert other.get("/signup/").location.endswith("/signup/zip")
    button = other.get(path)
    assert "Continue signing up" in page(button) and draft.id not in page(button)
    resumed = other.post(path, data={"csrf_token": csrf_token(page(button))})
    assert resumed.status_code == 303 and resumed.location.endswith("/signup/premise")
    again = page(other.get(resumed.location))
    # What was typed on the page comes back, secrets aside (the SSN is never kept unsaved).
    assert 'value="1200 Main St"' in again and 'value="Dallas"' in again and 'value="1044372000"' in again
    assert "234-56-7890" not in again
    # The answers of the earlier steps are all there: the new browser finishes the enrollment.
    other_wizard = Wizard(other)
    assert 'value="Ana"' in page(other.get("/signup/about-you"))
    for slug in ("premise", "credentials"):
        other_wizard.answer(slug, DALLAS_SWITCH[slug])
    done = other_wizard.submit()
    assert done.status_code == 303 and done.location.endswith("/signup/confirmation")
    enrollment = session.scalar(select(Enrollment))
    assert (enrollment.plan_code, enrollment.customer.first_name) == ("SAVER12", "Ana")


def test_the_link_works_once_and_never_by_just_opening_it(app, wizard):
    wizard.walk(until="about-you")
    finish_later(wizard, "about-you", {"first_name": "Ana"})
    path = the_link(app)
    scanner = app.test_client()  # a mail scanner fetches every link: nothing is used up
    assert scanner.get(path).status_code == 200 and scanner.get(path).status_code == 200

    first = app.test_client()
    assert open_link(first, path).location.endswith("/signup/about-you")

    second = app.test_client()
    refused = second.get(path)
    assert refused.status_code == 410
    assert "This link has expired or was already used" in page(refused)
    assert "Your answers are kept for 72 hours after your last change" in page(refused)
    assert 'href="/signup/"' in page(refused)
    token = csrf_token(page(second.get("/signup/zip")))
    assert second.post(path, data={"csrf_token": token}).status_code == 410
    assert second.get("/signup/").location.endswith("/signup/zip")  # nothing was bound to it


def test_an_expired_link_is_refused_with_a_way_to_start_again(app, wizard, session):
    wizard.walk(until="about-you")
    finish_later(wizard, "about-you", {})
    path = the_link(app)
    session.execute(update(EmailToken).values(expires_at=dt.datetime(2000, 1, 1)))
    session.commit()
    client = app.test_client()
    refused = client.get(path)
    assert refused.status_code == 410 and "This link has expired or was already used" in page(refused)
    assert "if the link expired, start again" in page(refused)


def test_a_link_to_a_draft_that_was_purged_is_refused_not_an_error(app, wizard, session):
    wizard.walk(until="about-you")
    finish_later(wizard, "about-you", {})
    path = the_link(app)
    session.execute(update(Draft).values(expires_at=dt.datetime(2000, 1, 1)))
    session.commit()
    assert app.test_client().get(path).status_code == 410
    for junk in ("x", "a" * 200, "%00", "..%2F"):
        assert app.test_client().get(f"/signup/resume/{junk}").status_code in (404, 410)


def test_a_new_finish_later_makes_the_older_link_stop_working(app, wizard, session):
    wizard.walk(until="about-you")
    finish_later(wizard, "about-you", {})
    old = the_link(app)
    finish_later(wizard, "about-you", {}, email="ana.other@example.com")
    new = the_link(app)
    assert old != new
    assert app.test_client().get(old).status_code == 410
    assert open_link(app.test_client(), new).status_code == 303


def test_the_finish_later_page_is_prefilled_with_the_email_answer(app, wizard, session):
    wizard.walk(until="premise")
    left = wizard.post("/signup/premise", {"nav": "later"})
    form = page(wizard.client.get(left.location))
    assert "Finish later" in form and 'value="ana@example.com"' in form
    assert "Your answers so far are kept for 72 hours." in form
    bad = wizard.post("/signup/finish-later", {"email": "ana at example"})
    assert bad.status_code == 422 and "Enter an email address like name@example.com." in page(bad)
    back = wizard.post("/signup/finish-later", {"nav": "back"})
    assert back.location.endswith("/signup/premise")
    assert session.scalar(select(func.count()).select_from(MailMessage)) == 0


def test_finish_later_is_on_every_step_once_there_are_answers(app, wizard):
    assert "Finish later" not in page(wizard.get("/signup/zip"))  # nothing to keep yet
    for slug, answers in DALLAS_SWITCH.items():
        assert "Finish later" in page(wizard.get(f"/signup/{slug}")) or slug == "zip", slug
        wizard.answer(slug, answers)
    # The review form posts to itself: its Finish later button posts to the finish-later page.
    assert 'formaction="/signup/finish-later"' in page(wizard.get("/signup/review"))
    to_page = wizard.post("/signup/finish-later", {"nav": "later"})
    assert to_page.status_code == 303 and to_page.location.endswith("/signup/finish-later")
    assert wizard.post("/signup/finish-later", {"email": "ana@example.com"}).status_code == 303
    path = the_link(app)
    assert open_link(app.test_client(), path).location.endswith("/signup/review")


def test_finish_later_needs_a_draft(client):
    assert client.get("/signup/finish-later").location.endswith("/signup/")
    assert client.get("/signup/finish-later/sent").location.endswith("/signup/")


def test_sending_links_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", FINISH_LATER_RATE_LIMIT="2 per minute")
    wizard = Wizard(app.test_client())
    wizard.walk(until="about-you")
    wizard.post("/signup/about-you", {"nav": "later"})
    statuses = [wizard.post("/signup/finish-later", {"email": f"a{i}@example.com"}).status_code for i in range(3)]
    assert statuses == [303, 303, 429]
    limited = wizard.post("/signup/finish-later", {"email": "a9@example.com"})
    assert "Too many attempts" in page(limited)
    assert len(deliver_mail(app)) == 2
    # Going back to the answers is never limited.
    assert wizard.post("/signup/finish-later", {"nav": "back"}).status_code == 303


def test_the_link_does_not_finish_an_enrollment_twice(app, wizard):
    wizard.walk(until="credentials")
    finish_later(wizard, "credentials", {"username": "ana.garza"})
    path = the_link(app)
    wizard.answer("credentials", DALLAS_SWITCH["credentials"])
    assert wizard.post("/signup/review", ACKS).location.endswith("/signup/confirmation")
    finished = app.test_client().get(path)
    assert finished.status_code == 200 and "You've finished this signup" in page(finished)


@pytest.mark.parametrize("cookies", [True, False], ids=["partitioned-cookie", "no-cookie-at-all"])
def test_a_link_sent_from_an_affiliates_frame_opens_its_wizard(app, session, cookies):
    customer = EmbeddedCustomer(app, cookies=cookies)
    customer.walk(until="about-you")
    assert "Finish later" in text(customer.page)
    # The button is in the step's form: without cookies the page's session travels with it.
    asked = customer.send({"first_name": "Ana", "nav": "later"})
    assert asked.status_code == 200 and "Email me a link" in text(asked)
    assert form_action(text(customer.page)).endswith("/embed/ACME/signup/finish-later")
    assert cookies or field(text(customer.page), "embed_session")
    sent = customer.send({"email": "ana@example.com"})
    assert "We've emailed a link to ana@example.com" in text(sent)
    path = the_link(app)
    assert path.startswith("/embed/ACME/signup/resume/")

    top_level = app.test_client()  # the email's link opens in a tab of its own, not in the frame
    resumed = open_link(top_level, path)
    assert resumed.status_code == 303 and resumed.location.endswith("/embed/ACME/signup/about-you")
    shown = text(top_level.get(resumed.location))
    assert "Acme Energy Deals" in shown and 'value="Ana"' in shown
    assert app.test_client().get(path.replace("/embed/ACME", "")).status_code == 410  # used up


def test_with_site_url_the_link_names_it_not_the_requests_host(make_app):
    app = make_app(SITE_URL="https://signup.example.com")
    wizard = Wizard(app.test_client())
    wizard.walk(until="about-you")
    wizard.post("/signup/about-you", {"nav": "later"})
    wizard.post("/signup/finish-later", {"email": "ana@example.com"})  # the request's host: localhost
    (message,) = deliver_mail(app)
    assert re.search(r"^https://signup\.example\.com/signup/resume/[A-Za-z0-9_-]+$", text_of(message), re.M)
    assert "localhost" not in text_of(message)
