"""What the wizard offers: per-channel visibility windows, retirement, utilities, affiliates, promo limits."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

import billing
from billing.models import Enrollment
from wizard.catalog import offers as catalog
from wizard.catalog.models import Plan, PlanVisibility, Promo
from wizard.signup.models import FunnelEvent

from .helpers import DALLAS_SWITCH, Wizard

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def app(make_app):
    """The wizard on this module's day, so promo and visibility windows do not follow the calendar."""
    return make_app(TODAY=TODAY)


def offered(session, **kw) -> list[str]:
    args = {"state": "TX", "customer_type": "residential", "promo_code": None, "today": TODAY, **kw}
    return [p.code for p in catalog.offered_plans(session, **args)]


def test_each_channel_sees_its_own_plans(session):
    web, agent = offered(session), offered(session, channel="agent")
    acme = offered(session, channel="affiliate:ACME", affiliate_code="ACME")
    assert "PHONE12" in agent and "PHONE12" not in web
    assert "LONGHAUL36" in web and "LONGHAUL36" not in agent
    assert acme == ["PARTNER12"]


def test_visibility_window_opens_and_closes_on_its_dates(session):
    plan = session.get(Plan, "LONGHAUL36")
    plan.visibility = [PlanVisibility(channel="web", shown_from=TODAY + dt.timedelta(days=1),
                                      shown_to=TODAY + dt.timedelta(days=10))]
    session.commit()
    assert "LONGHAUL36" not in offered(session)
    assert "LONGHAUL36" in offered(session, today=TODAY + dt.timedelta(days=1))
    assert "LONGHAUL36" in offered(session, today=TODAY + dt.timedelta(days=10))
    assert "LONGHAUL36" not in offered(session, today=TODAY + dt.timedelta(days=11))


def test_retired_plan_is_offered_nowhere(session):
    session.get(Plan, "SAVER12").retired = True
    session.commit()
    assert "SAVER12" not in offered(session) + offered(session, channel="agent")


def test_plan_priced_for_one_utility_is_offered_only_there(session):
    session.get(Plan, "GREEN12").utility_code = "centerpoint"
    session.commit()
    assert "GREEN12" in offered(session, utility_code="centerpoint")
    assert "GREEN12" not in offered(session, utility_code="oncor")


def test_promo_restricted_to_an_affiliate(session):
    session.get(Promo, "SAVE10").affiliate_code = "ACME"
    session.commit()
    _, error = catalog.check_promo(session, "save10", TODAY)
    assert error.startswith("We don't recognise that promo code")
    promo, error = catalog.check_promo(session, "save10", TODAY, affiliate_code="ACME")
    assert promo is not None and error is None


def _walk_with_promo(app, promo: str = "SAVE10"):
    wizard = Wizard(app.test_client())
    answers = {**DALLAS_SWITCH, "promo": {"promo": promo}, "plans": {"plan": "SAVE10PLAN"},
               "credentials": {**DALLAS_SWITCH["credentials"], "username": f"user{id(wizard)}"}}
    wizard.walk(answers)
    return wizard


def test_promo_used_up_stops_at_its_last_use_and_cancelled_uses_do_not_count(app, session):
    session.get(Promo, "SAVE10").max_uses = 1
    session.commit()
    first, second = _walk_with_promo(app), _walk_with_promo(app)
    assert first.submit().status_code == 303
    response = second.submit()
    assert response.status_code == 303 and response.location.endswith("/signup/promo")
    page = second.get("/signup/promo").get_data(as_text=True)
    assert "That promo code has been used the most times it can be." in page
    enrollment = session.scalar(select(Enrollment))
    billing.cancel(session, enrollment, "customer changed their mind")
    session.commit()
    _, error = catalog.check_promo(session, "SAVE10", TODAY)
    assert error is None


def test_affiliate_entry_attributes_the_enrollment_and_shows_its_plans(app, session):
    wizard = Wizard(app.test_client())
    response = wizard.get("/signup/via/acme")
    assert response.status_code == 303
    answers = {**DALLAS_SWITCH, "plans": {"plan": "PARTNER12"}}
    wizard.walk(answers, until="plans")
    plans_page = wizard.get("/signup/plans").get_data(as_text=True)
    assert "Partner Exclusive 12" in plans_page and "Lone Star Saver 12" not in plans_page
    wizard.walk({k: v for k, v in answers.items() if list(answers).index(k) >= list(answers).index("plans")})
    assert wizard.submit().status_code == 303
    enrollment = session.scalar(select(Enrollment))
    assert (enrollment.affiliate_code, enrollment.plan_code) == ("ACME", "PARTNER12")
    steps = {e.step: e.affiliate_code for e in session.scalars(select(FunnelEvent))}
    assert steps["started"] == steps["plans"] == steps["completed"] == "ACME"


@pytest.mark.parametrize("code", ["NOPE", "acme%00"])
def test_unknown_affiliate_link_is_not_found(client, code):
    assert client.get(f"/signup/via/{code}").status_code == 404


def test_funnel_counts_a_draft_once_per_step(app, session):
    wizard = Wizard(app.test_client())
    wizard.walk()
    wizard.get("/signup/plans")
    wizard.get("/signup/plans")  # a second visit is not a second customer
    assert [e.step for e in session.scalars(select(FunnelEvent).where(FunnelEvent.step == "plans"))] == ["plans"]


def test_resubmitted_enrollment_gets_a_new_idempotency_key(app, session):
    wizard = Wizard(app.test_client())
    wizard.walk()
    wizard.submit()
    enrollment = session.scalar(select(Enrollment))
    first_key = enrollment.idempotency_key
    billing.set_status(session, enrollment, billing.Status.REJECTED, "utility", "ESI ID not found")
    billing.resubmit(session, enrollment, "corrected by operations")
    session.commit()
    assert enrollment.status == billing.Status.NEW.value
    assert enrollment.idempotency_key != first_key and enrollment.idempotency_key.startswith(first_key)
    with pytest.raises(billing.TransitionError):
        billing.resubmit(session, enrollment, "twice")
