"""The wizard and the billing hand-off together: what a customer sees while billing works."""
from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

import billing
from billing import Status
from billing.models import Enrollment
from billing.webservice import WebService
from wizard.core.billing_runner import drain_once

from .billing_fixtures import StandInProcess, wait_for
from .helpers import DALLAS_SWITCH, Wizard, csrf_token


@pytest.fixture
def standin():
    process = StandInProcess(accept_after=0.3).start()
    yield process
    process.stop()


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def customer(app, username: str) -> Wizard:
    wizard = Wizard(app.test_client())
    wizard.walk({**DALLAS_SWITCH, "credentials": {**DALLAS_SWITCH["credentials"], "username": username}})
    return wizard


def test_slow_billing_system_never_holds_up_the_customer(make_app, standin):
    app = make_app(BILLING_ADAPTER="web_service", BILLING_URL=standin.url, BILLING_DRAIN_IN_PROCESS=True,
                   BILLING_DRAIN_INTERVAL=0.05, BILLING_READ_TIMEOUT=30)
    standin.fault("slow", delay=8)  # every Create Prospect takes 8 seconds
    try:
        first = customer(app, "first.customer")
        assert first.submit().location.endswith("/signup/confirmation")
        wait_for(lambda: standin.stats()["create_requests"] >= 1, 10, "the worker to call the billing system")
        assert standin.stats()["create_requests"] == 1  # the worker thread is stuck on the billing system
        second = customer(app, "second.customer")
        assert second.submit().location.endswith("/signup/confirmation")
        assert "You're enrolled" in text(second.get("/signup/confirmation"))
        assert standin.stats()["prospects_created"] == 0  # both customers done before billing answered
    finally:
        app.extensions["billing_drain_stop"].set()
        standin.stop()  # the stuck request fails at once; the worker thread then sees the stop
        app.extensions["billing_drain_thread"].join(timeout=15)
        assert not app.extensions["billing_drain_thread"].is_alive()


def test_my_account_follows_the_status_to_accepted_and_survives_an_outage(make_app, standin, session):
    app = make_app(BILLING_ADAPTER="web_service", BILLING_URL=standin.url, BILLING_POLL_INTERVAL=0,
                   BILLING_BACKOFF_BASE=0.001, BILLING_BACKOFF_CAP=0.001)
    wizard = customer(app, "ana.garza")
    wizard.submit()
    assert "New Enrollment Saved" in text(wizard.get("/account/"))
    drain_once(app)
    assert "Pending" in text(wizard.get("/account/"))
    sent = [billing.Sent(*row) for row in session.execute(select(Enrollment.number, Enrollment.billing_reference))]
    wait_for(lambda: WebService(standin.url, None).statuses(sent), 10, "the stand-in to accept (after 0.3 s)")
    drain_once(app)
    page = text(wizard.get("/account/"))
    assert "Accepted" in page and "Service starts" in page
    standin.fault("down")  # the billing system goes away
    wizard.post("/signup/another", {})
    wizard.walk({k: v for k, v in DALLAS_SWITCH.items() if k in ("zip", "promo", "referral", "plans")})
    wizard.answer("premise", {**DALLAS_SWITCH["premise"], "service_line1": "9 Oak St", "esi_id": "10443720009999999"})
    wizard.submit()
    drain_once(app)
    page = text(wizard.get("/account/"))
    assert "Submission Not Sent: Connection Error" in page and "We keep trying; nothing to do." in page
    assert "ConnectionError" not in page  # technical messages are for operations
    standin.fault("none")  # back up
    wait_for(lambda: drain_once(app).sent, 10, "the retry (after its backoff) to deliver")
    statuses = session.scalars(select(Enrollment.status).order_by(Enrollment.id)).all()
    assert statuses == [Status.ACCEPTED, Status.PENDING]
    assert standin.stats()["prospects_created"] == 2


def test_quote_request_plan_confirms_a_quote(app, session):
    wizard = Wizard(app.test_client())
    wizard.walk({"zip": {"zip": "75201"}, "promo": {"promo": ""}, "customer-type": {"customer_type": "commercial"},
                 "referral": {"referral": "search"}})
    assert "Request a quote" in text(wizard.get("/signup/plans"))
    wizard.answer("plans", {"plan": "BIZQUOTE"})
    wizard.walk({"customer": {"customer_status": "new"},
                 "about-you": {**DALLAS_SWITCH["about-you"], "business_name": "Taco Hut LLC", "tax_id": "123456789"},
                 "premise": DALLAS_SWITCH["premise"], "credentials": DALLAS_SWITCH["credentials"]})
    wizard.submit()
    assert "Quote requested" in text(wizard.get("/signup/confirmation"))
    assert session.scalar(select(Enrollment.plan_snapshot))["quote_request"] is True


def test_a_customer_who_switched_to_spanish_is_sent_to_billing_in_spanish(make_app, standin, session):
    """The switch in the header, pressed before the first step, is the customer's language at the
    billing system: the about-you step offers it as the preferred language, and it goes on."""
    app = make_app(BILLING_ADAPTER="web_service", BILLING_URL=standin.url, BILLING_POLL_INTERVAL=0)
    wizard = Wizard(app.test_client())
    page = wizard.get("/signup/zip")
    wizard.client.post("/signup/language", data={"switch_language": "es", "next": "/signup/zip",
                                                 "csrf_token": csrf_token(text(page))})
    wizard.walk(DALLAS_SWITCH, until="about-you")
    about = text(wizard.get("/signup/about-you"))
    assert '<input checked id="language-1" name="language" required type="radio" value="es">' in about
    wizard.walk({**DALLAS_SWITCH, "about-you": {**DALLAS_SWITCH["about-you"], "language": "es"}})
    assert wizard.submit().location.endswith("/signup/confirmation")
    drain_once(app)
    number = session.scalar(select(Enrollment.number))
    assert standin.received(number)["language"] == "es"
