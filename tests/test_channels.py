"""Every channel ends in the same Create Prospect: the same customer and premise enrolled on the
web, by an agent, by a partner's script over the API and from a sales file reach the stand-in
billing system once each, as the same prospect but for who made it and how the customer agreed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from billing.models import Enrollment
from wizard.catalog.models import AGENT, WEB, PlanVisibility, affiliate_channel
from wizard.core.billing_runner import drain_once
from wizard.core.extensions import db
from wizard.enrollments import service

from .api_helpers import Api, make_key, serve
from .billing_fixtures import StandInProcess
from .helpers import DALLAS_SWITCH, Wizard
from .test_enrollment_service import caller

#: What legitimately differs between channels: the number and key, the channel, the consent, and
#: the affiliate (a partner of the API is one).
PER_CHANNEL = {"enrollment_number", "idempotency_key", "channel", "consent", "affiliate_code"}


@pytest.fixture
def standin():
    process = StandInProcess(accept_after=0.3).start()
    yield process
    process.stop()


def test_the_same_sale_through_each_channel_is_the_same_prospect_and_reaches_billing_once(make_app, standin):
    app = make_app(BILLING_ADAPTER="web_service", BILLING_URL=standin.url)
    web = Wizard(app.test_client())
    web.walk()
    assert web.submit().location.endswith("/signup/confirmation")
    sources = {
        "agent": (service.Source(service.AGENT, made_by="agent@example.com", plan_channels=(WEB, AGENT)),
                  service.Consent("phone", reference="CALL-1")),
        "import": (service.Source(service.IMPORT, made_by="import 1 line 2", plan_channels=(WEB,)),
                   service.Consent("phone", reference="TPV-77")),
    }
    with app.test_request_context():
        for name, (source, consent) in sources.items():
            service.enroll(caller(), source, consent, f"{name}:sale-1")
            service.enroll(caller(), source, consent, f"{name}:sale-1")  # a replay changes nothing
    with app.app_context():  # the partner ACME sells this plan too
        db.session.add(PlanVisibility(plan_code=DALLAS_SWITCH["plans"]["plan"], channel=affiliate_channel("ACME")))
        db.session.commit()
    with serve(app) as url:
        acme = Api(url, make_key(app))
        body = {**caller(), "consent": {"method": "phone", "reference": "TPV-9", "at": "2026-12-01T15:30:00-06:00"}}
        for _ in range(2):  # a retry with the same Idempotency-Key makes nothing more
            assert acme.enroll(body, "sale-1").status_code == 201
    with app.app_context():
        numbers = {e.channel: e.number for e in db.session.scalars(select(Enrollment))}
    assert sorted(numbers) == ["agent", "api", "import", "web"]
    for _ in range(3):
        drain_once(app)
    assert standin.stats()["prospects_created"] == 4
    received = {channel: standin.received(number) for channel, number in numbers.items()}
    same = {channel: {k: v for k, v in body.items() if k not in PER_CHANNEL} for channel, body in received.items()}
    assert same["agent"] == same["web"] == same["import"] == same["api"]
    assert received["api"]["affiliate_code"] == "ACME" and received["web"]["affiliate_code"] is None
    assert same["web"]  # something was compared
    # The agent's customer has the same name, address and plan as the web one.
    assert DALLAS_SWITCH["about-you"]["last_name"] in str(same["agent"])
