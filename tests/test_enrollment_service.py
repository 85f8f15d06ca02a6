"""The enrollment service every channel shares: the wizard's rules on answers given all at once,
one enrollment per submission key, the consent evidence kept, and a login the customer opens."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing.models import Enrollment, OutboxItem
from tests.helpers import DALLAS_SWITCH, PASSWORD, csrf_token
from tests.mail_helpers import deliver_mail, text_of
from tests.test_password_reset import LINK, choose
from wizard.account.models import Account
from wizard.catalog.models import AGENT, WEB, affiliate_channel
from wizard.core.extensions import db
from wizard.enrollments import service

AGENT_SOURCE = service.Source(service.AGENT, made_by="agent@example.com", plan_channels=(WEB, AGENT))
BY_PHONE = service.Consent("phone", reference="CALL-20261206-0042")


def caller(**changes: str) -> dict[str, str]:
    """Ana Garza's Dallas switch, every field at once (as an agent, a partner or a file gives it)."""
    fields: dict[str, str] = {}
    for slug in ("zip", "promo", "customer-type", "referral", "plans", "about-you", "premise"):
        fields.update(DALLAS_SWITCH[slug])
    return {**fields, **changes}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_agent_enrolls_a_caller_once_with_the_consent_and_a_login_only_the_customer_opens(app):
    with app.test_request_context():
        result = service.enroll(caller(plan="PHONE12"), AGENT_SOURCE, BY_PHONE, "agent:one")
        assert result.created
        again = service.enroll(caller(plan="PHONE12"), AGENT_SOURCE, BY_PHONE, "agent:one")
        assert not again.created and again.enrollment.number == result.enrollment.number
        e = result.enrollment
        assert (e.channel, e.made_by, e.plan_code, e.esi_id) == ("agent", "agent@example.com", "PHONE12",
                                                                 "10443720001234567")
        assert e.consent["method"] == "phone" and e.consent["reference"] == "CALL-20261206-0042"
        assert e.consent["made_by"] == "agent@example.com"
        assert {s["code"] for s in e.consent["statements"]} >= {"authorize_switch", "rescission"}
        assert count(Enrollment) == 1 and count(OutboxItem) == 1
        account = db.session.scalar(select(Account).where(Account.customer_id == e.customer_id))
        assert account.username == "ana@example.com"
    mail = {m["Subject"]: text_of(m) for m in deliver_mail(app)}
    welcome = mail["Choose your My Account password"]
    assert "Your username: ana@example.com" in welcome
    assert any(s.startswith("You're enrolled") or "enroll" in s.lower() for s in mail)  # the confirmation too
    # Nobody knows a password yet: none signs in, until the customer chooses one from the link.
    client = app.test_client()
    assert not signs_in(client, "ana@example.com", "")
    assert not signs_in(client, "ana@example.com", "!unset")
    link = LINK.search(welcome).group(0)
    assert client.get(link).location == "/account/reset"
    choose(client, PASSWORD)
    assert signs_in(client, "ana@example.com", PASSWORD)


def signs_in(client, username: str, password: str) -> bool:
    page = client.get("/account/login")
    answer = client.post("/account/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                  "username": username, "password": password})
    return answer.status_code == 303 and client.get("/account/").status_code == 200


def test_every_error_of_the_answers_is_named_by_field_at_once(app):
    with app.test_request_context():
        with pytest.raises(service.Invalid) as refused:
            service.enroll(caller(first_name="", email="not an email", esi_id="123", plan="NOPE"),
                           AGENT_SOURCE, BY_PHONE, "agent:bad")
        errors = refused.value.errors
        assert errors["first_name"] == ["Enter your first name."]
        assert "email" in errors and "esi_id" in errors and "plan" in errors
        assert count(Enrollment) == 0 and count(OutboxItem) == 0


def test_a_zip_we_do_not_serve_stops_the_check_with_one_message(app):
    with app.test_request_context():
        with pytest.raises(service.Invalid) as refused:
            service.check(caller(zip="99999"), AGENT_SOURCE)
        assert list(refused.value.errors) == ["zip"]


def test_each_channel_sells_only_its_plans(app):
    with app.test_request_context():
        web = service.Source(service.API, made_by="ACME", plan_channels=(WEB,))
        with pytest.raises(service.Invalid) as refused:
            service.check(caller(plan="PHONE12"), web)  # an agent-only plan
        assert list(refused.value.errors) == ["plan"]
        partner = service.Source(service.API, made_by="ACME", plan_channels=(affiliate_channel("ACME"),),
                                 affiliate="ACME")
        assert service.check(caller(plan="PARTNER12"), partner)["plan"] == "PARTNER12"
        with pytest.raises(service.Invalid):
            service.check(caller(plan="PARTNER12"), AGENT_SOURCE)


@pytest.mark.parametrize("consent, field", [
    (service.Consent("phone"), "consent_reference"),
    (service.Consent("signed_contract"), "consent_document"),
    (service.Consent("telepathy"), "consent_method"),
])
def test_consent_without_its_evidence_is_refused(app, consent, field):
    with app.test_request_context():
        with pytest.raises(service.Invalid) as refused:
            service.enroll(caller(), AGENT_SOURCE, consent, "agent:no-evidence")
        assert list(refused.value.errors) == [field]
        assert count(Enrollment) == 0


def test_another_address_for_a_known_customer_asks_no_details_again(app):
    with app.test_request_context():
        first = service.enroll(caller(), AGENT_SOURCE, BY_PHONE, "agent:first").enrollment
        second_address = {k: v for k, v in caller(service_line1="77 Elm St", esi_id="10443720007654321").items()
                          if k not in DALLAS_SWITCH["about-you"] and k != "customer_type"}
        second = service.enroll(second_address, AGENT_SOURCE, BY_PHONE, "agent:second",
                                customer_id=first.customer_id).enrollment
        assert second.customer_id == first.customer_id
        assert second.service_address["line1"] == "77 Elm St"
        assert count(Account) == 1
