"""Promo codes in the admin: validation that explains itself, limits, dates, affiliates, end now, audit."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from billing.statuses import Status
from wizard.admin.models import AuditEntry
from wizard.catalog import offers as catalog
from wizard.catalog.models import Promo
from wizard.core.dates import today

from .admin_helpers import signed_in
from .billing_fixtures import make_enrollment


def day(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


TOO_FEW = "Enter the maximum uses as a whole number from 1 to 1,000,000,000, or leave it empty for no limit."
GOOD = {"code": "welcome5", "description": "Welcome offer", "valid_from": day(0), "valid_to": day(30),
        "max_uses": "", "unlocks": ["SAVE10PLAN"], "affiliate_code": ""}


@pytest.fixture
def admin(app):
    return signed_in(app, "marketing")


def create(admin, **changes):
    return admin.post("/admin/promos/new", {**GOOD, **changes})


def offered(session, promo_code, affiliate_code=None, on=None):
    session.expire_all()
    plans = catalog.offered_plans(session, state="TX", customer_type="residential", promo_code=promo_code,
                                  today=on or today(), channel=catalog.channel_for(affiliate_code),
                                  affiliate_code=affiliate_code)
    return {p.code for p in plans}


def check(session, code, affiliate_code=None):
    session.expire_all()
    return catalog.check_promo(session, code, today(), affiliate_code)


def test_the_list_shows_each_code_with_its_state(admin):
    page = admin.get("/admin/promos")
    assert page.status_code == 200
    assert "SAVE10" in page.text and "SUMMER24" in page.text
    assert "expired" in page.text and "active" in page.text
    assert "0 / no limit" in page.text


def test_a_created_promo_unlocks_its_plan_in_any_case(admin, session):
    assert "SAVE10PLAN" not in offered(session, "welcome5")
    response = create(admin)
    assert response.status_code == 303
    assert "Promo code WELCOME5 created." in admin.get("/admin/promos").text
    promo = session.get(Promo, "WELCOME5")
    assert promo.unlocks == ["SAVE10PLAN"] and promo.max_uses is None and promo.affiliate_code is None
    assert "SAVE10PLAN" in offered(session, "welcome5")
    assert "SAVE10PLAN" in offered(session, "WeLcOmE5")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "promo")).one()
    assert (entry.action, entry.entity_id, entry.actor) == ("create", "WELCOME5", "marketing@example.com")
    assert entry.before is None and entry.after["unlocks"] == ["SAVE10PLAN"]


@pytest.mark.parametrize("changes, message", [
    ({"code": ""}, "Enter the promo code customers will type."),
    ({"code": "WEL COME"}, "Use only letters, digits, - and _ in the code (at most 32 characters)."),
    ({"code": "X" * 33}, "Use only letters, digits, - and _ in the code (at most 32 characters)."),
    ({"code": "save10"}, "A promo code SAVE10 already exists (codes match in any case)."),
    ({"description": "  "}, "Enter a description, so other staff know what the code is for."),
    ({"valid_from": ""}, "Enter the first day the code works."),
    ({"valid_from": "2026-02-30"}, "Enter the first day as a real date, like 2026-12-01."),
    ({"valid_to": "soon"}, "Enter the last day as a real date, like 2026-12-31."),
    ({"valid_from": day(5), "valid_to": day(4)}, "The last day must be on or after the first day."),
    ({"max_uses": "0"}, TOO_FEW),
    ({"max_uses": "2.5"}, TOO_FEW),
    ({"max_uses": "-3"}, TOO_FEW),
    ({"max_uses": "99999999999999999999"}, TOO_FEW),
    ({"unlocks": []}, "Choose at least one plan the code unlocks."),
    ({"unlocks": ["NOSUCH"]}, "Plan NOSUCH does not exist or is retired: choose among the plans listed."),
    ({"affiliate_code": "NOSUCH"}, "Choose an affiliate from the list, or any wizard."),
])
def test_invalid_input_is_refused_with_a_message(admin, session, changes, message):
    response = create(admin, **changes)
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert message.replace("'", "&#39;") in response.text
    assert session.scalars(select(Promo).where(Promo.code.not_in(["SAVE10", "SUMMER24"]))).all() == []
    assert session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "promo")).all() == []


def test_the_form_offers_plans_and_affiliates_as_choices(admin):
    page = admin.get("/admin/promos/new")
    assert 'type="checkbox" name="unlocks"' in page.text
    assert "SAVE10PLAN: Save 10 Special 12" in page.text
    assert "Acme Energy Deals (ACME)" in page.text


def test_max_uses_refuses_the_code_once_used_up_and_cancelled_ones_do_not_count(admin, session, cipher):
    assert create(admin, max_uses="2").status_code == 303
    make_enrollment(session, cipher, 1, promo_code="WELCOME5")
    cancelled = make_enrollment(session, cipher, 2, promo_code="WELCOME5")
    cancelled.status = Status.CANCELLED.value
    session.commit()
    promo, error = check(session, "welcome5")
    assert promo is not None and error is None
    assert "1 / 2" in admin.get("/admin/promos").text
    make_enrollment(session, cipher, 3, promo_code="WELCOME5")
    promo, error = check(session, "welcome5")
    assert promo is None
    assert error == "That promo code has been used the most times it can be. You can continue without it."
    assert "SAVE10PLAN" not in offered(session, "welcome5")
    assert "used up" in admin.get("/admin/promos").text


def test_max_uses_may_not_go_below_the_uses_so_far(admin, session, cipher):
    create(admin, max_uses="5")
    for n in (1, 2, 3):
        make_enrollment(session, cipher, n, promo_code="WELCOME5")
    response = admin.post("/admin/promos/welcome5/edit", {**GOOD, "max_uses": "2"})
    assert response.status_code == 422
    assert "The code has been used 3 times already: enter 3 or more, or leave it empty for no limit." in response.text
    assert admin.post("/admin/promos/WELCOME5/edit", {**GOOD, "max_uses": "3"}).status_code == 303
    session.expire_all()
    assert session.get(Promo, "WELCOME5").max_uses == 3


def test_a_code_works_only_within_its_dates(admin, session):
    create(admin, code="LATER", valid_from=day(1), valid_to=day(10))
    promo, error = check(session, "later")
    assert promo is None and error.startswith("That promo code starts on")
    assert "SAVE10PLAN" not in offered(session, "later")
    assert "SAVE10PLAN" in offered(session, "later", on=today() + dt.timedelta(days=1))
    assert "SAVE10PLAN" not in offered(session, "later", on=today() + dt.timedelta(days=11))
    assert "scheduled" in admin.get("/admin/promos").text
    create(admin, code="GONE", valid_from=day(-10), valid_to=day(-1))
    promo, error = check(session, "gone")
    assert promo is None and error.startswith("That promo code expired on")


def test_an_affiliate_code_works_only_on_that_affiliate(admin, session):
    create(admin, code="ACMEONLY", affiliate_code="ACME")
    assert check(session, "acmeonly")[0] is None
    assert check(session, "acmeonly", "ACME")[0] is not None
    assert "ACME" in admin.get("/admin/promos").text


def test_editing_changes_the_terms_and_audits_only_what_changed(admin, session):
    create(admin)
    page = admin.get("/admin/promos/welcome5/edit")
    assert page.status_code == 200 and "Welcome offer" in page.text and 'name="code"' not in page.text
    response = admin.post("/admin/promos/WELCOME5/edit", {**GOOD, "description": "Winter welcome",
                                                           "unlocks": ["SAVE10PLAN", "SAVER12"]})
    assert response.status_code == 303
    session.expire_all()
    promo = session.get(Promo, "WELCOME5")
    assert promo.description == "Winter welcome" and promo.unlocks == ["SAVE10PLAN", "SAVER12"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.before == {"description": "Welcome offer", "unlocks": ["SAVE10PLAN"]}
    assert entry.after == {"description": "Winter welcome", "unlocks": ["SAVE10PLAN", "SAVER12"]}


def test_end_now_stops_the_code_at_once(admin, session):
    create(admin, valid_from=day(-5))
    assert check(session, "welcome5")[0] is not None
    response = admin.post("/admin/promos/welcome5/end")
    assert response.status_code == 303
    assert "Promo code WELCOME5 ended: customers can no longer use it." in admin.get("/admin/promos").text
    session.expire_all()
    yesterday = today() - dt.timedelta(days=1)
    assert session.get(Promo, "WELCOME5").valid_to == yesterday
    promo, error = check(session, "welcome5")
    assert promo is None and error.startswith("That promo code expired on")
    assert "SAVE10PLAN" not in offered(session, "welcome5")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "end")).one()
    assert entry.before == {"valid_to": day(30)} and entry.after == {"valid_to": yesterday.isoformat()}


def test_ending_a_scheduled_code_means_it_never_starts(admin, session):
    create(admin, valid_from=day(3), valid_to=day(9))
    admin.post("/admin/promos/WELCOME5/end")
    session.expire_all()
    promo = session.get(Promo, "WELCOME5")
    assert promo.valid_from == promo.valid_to == today() - dt.timedelta(days=1)


@pytest.mark.parametrize("path, method", [("/admin/promos/NOSUCH/edit", "get"), ("/admin/promos/NOSUCH/edit", "post"),
                                          ("/admin/promos/NOSUCH/end", "post"), ("/admin/promos/%00/edit", "get")])
def test_unknown_codes_are_not_found(admin, path, method):
    missing = getattr(admin, method)(path)
    assert missing.status_code == 404 and "Page not found" in missing.text


def test_operations_staff_may_not_manage_promos(app):
    ops = signed_in(app, "operations")
    refused = ops.get("/admin/promos")
    assert refused.status_code == 403 and "Your staff role does not include this page." in refused.text
    assert ops.post("/admin/promos/new", GOOD).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(admin, session):
    response = admin.client.post("/admin/promos/new", data=GOOD)
    assert response.status_code == 400 and "This page has expired" in response.text
    assert session.get(Promo, "WELCOME5") is None
