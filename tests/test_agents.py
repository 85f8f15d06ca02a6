"""Quick Enrollment: an agent enrolls a caller on one screen (Flask test client, both databases)."""
from __future__ import annotations

import html
import io
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing.models import Enrollment, OutboxItem
from tests.admin_helpers import AdminClient, signed_in
from tests.helpers import DALLAS_SWITCH, Wizard
from tests.mail_helpers import deliver_mail, text_of
from wizard.account.models import Account
from wizard.core.extensions import db

SCREEN = "/admin/agent/"
ENROLL = "/admin/agent/enroll"
AGENT = "alex@example.com"

#: A caller in Dallas (Oncor) switching to the agents-only plan, as the service's fields.
CALLER = {
    "zip": "75201", "promo": "", "customer_type": "residential", "referral": "friend", "plan": "PHONE12",
    "first_name": "Ana", "last_name": "Garza", "email": "ana@example.com", "phone": "(214) 555-0100",
    "language": "en", "contact_method": "email", "date_of_birth": "1980-03-27", "identity_value": "234-56-7890",
    "service_line1": "1200 Main St", "service_line2": "Apt 4", "service_city": "Dallas", "billing_same": "yes",
    "esi_id": "10443720001234567", "enrollment_type": "switch", "start_timing": "first_available",
}
PHONE_CONSENT = {"consent_method": "phone", "consent_reference": "CALL-20261206-0042"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def agent(app) -> AdminClient:
    return signed_in(app, "agent", AGENT)


def key_of(page: str) -> str:
    match = re.search(r'name="submission_key" value="([^"]+)"', page)
    assert match, "the screen has no submission key"
    return match.group(1)


def hidden_fields(page: str) -> dict[str, str]:
    """The review form's hidden fields, as the browser sends them back."""
    form = page[page.index('action="/admin/agent/enroll"'):]
    return {html.unescape(n): html.unescape(v) for n, v in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}


def statements_of(page: str) -> dict[str, str]:
    """Every statement's checkbox, ticked."""
    return {name: "yes" for name in re.findall(r'type="checkbox" id="(ack_[a-z_]+)"', page)}


def error_of(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"><span class="visually-hidden">Error:</span> (.*?)</p>', page, re.S)
    assert match, f"no error on {field}"
    return html.unescape(match.group(1))


def to_review(agent: AdminClient, answers: dict[str, str], **extra: str) -> str:
    """Fill the screen and go to the review; answer the review page."""
    number = extra.pop("for_", "")
    screen = agent.get(SCREEN + (f"?for={number}" if number else ""))
    assert screen.status_code == 200
    if number:
        extra["for_enrollment"] = number  # the screen's hidden field
    response = agent.post(SCREEN, {**answers, "submission_key": key_of(screen.text), "action": "review", **extra})
    assert response.status_code == 200, re.findall(r'class="error-message"[^>]*>(.*?)</p>', response.text, re.S)
    assert "<h1 tabindex=\"-1\">Review with the customer</h1>" in response.text
    return response.text


def enroll(agent: AdminClient, review: str, consent: dict, **files):
    return agent.post(ENROLL, {**hidden_fields(review), **statements_of(review), **consent, **files})


def enrollments(app) -> list[Enrollment]:
    with app.app_context():
        return list(db.session.scalars(select(Enrollment).order_by(Enrollment.id)))


def test_an_agent_enrolls_a_caller_who_consents_on_the_phone(app, agent):
    review = to_review(agent, CALLER)
    assert "Phone Special 12" in review and "***-**-7890" in review
    assert "234-56-7890" not in review and "234567890" not in review  # the SSN travels sealed
    assert "read to the customer and agreed" in review
    assert "I authorize Lone Star Power to become the retail electric provider" in review

    response = enroll(agent, review, PHONE_CONSENT)
    assert response.status_code == 303
    done = agent.get(response.headers["Location"])
    [made] = enrollments(app)
    assert made.number in done.text
    assert "a link to set their My Account password" in done.text
    assert "a•••@example.com" in done.text and "ana@example.com" not in done.text  # the login is made from it
    assert made.channel == "agent" and made.made_by == AGENT
    assert made.plan_code == "PHONE12"
    assert made.consent["method"] == "phone"
    assert made.consent["reference"] == "CALL-20261206-0042"
    assert any("become the retail electric provider" in s["text"] for s in made.consent["statements"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 1
        account = db.session.scalar(select(Account).where(Account.customer_id == made.customer_id))
        assert account is not None  # made by the service, never shown to the agent
        assert account.username not in done.text

    mail = deliver_mail(app)
    to_ana = [m for m in mail if m["To"] == "ana@example.com"]
    texts = "\n".join(text_of(m) for m in to_ana)
    assert re.search(r"password", texts, re.I)
    assert re.search(r"https?://\S+", texts), "the email has a link to set the password"
    assert "Password:" not in texts


def test_staff_without_the_agent_role_are_refused(app):
    marketing = signed_in(app, "marketing", "mia@example.com")
    home = marketing.get("/admin/")
    assert "Quick Enrollment" not in home.text
    refused = marketing.get(SCREEN)
    assert refused.status_code == 403
    assert "Your staff role does not include this page" in refused.text
    assert marketing.post(ENROLL, {**CALLER, **PHONE_CONSENT}).status_code == 403
    assert enrollments(app) == []

    anonymous = app.test_client().get(SCREEN)
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


def test_an_agent_sees_the_menu_and_admins_may_use_it(app, agent):
    assert "Quick Enrollment" in agent.get("/admin/").text
    admin = signed_in(app, "admin", "root@example.com")
    assert "<h1 tabindex=\"-1\">Quick Enrollment</h1>" in admin.get(SCREEN).text


def test_no_enrollment_without_the_evidence_of_consent(app, agent):
    review = to_review(agent, CALLER)
    nothing = agent.post(ENROLL, {**hidden_fields(review), **statements_of(review)})
    assert nothing.status_code == 422
    assert error_of(nothing.text, "consent_method") == \
        "Choose how the customer consented: on the phone or by a signed contract."
    assert 'href="#consent_method-0"' in nothing.text
    assert 'aria-describedby="consent_method-error"' in nothing.text

    no_reference = agent.post(ENROLL, {**hidden_fields(review), **statements_of(review), "consent_method": "phone"})
    assert no_reference.status_code == 422
    assert "reference of the recorded call" in error_of(no_reference.text, "consent_reference")
    assert re.search(r'aria-describedby="consent_reference-hint consent_reference-error"', no_reference.text)

    not_read = agent.post(ENROLL, {**hidden_fields(review), **PHONE_CONSENT})
    assert not_read.status_code == 422
    assert "Read statement 2 to the customer" in error_of(not_read.text, "ack_authorize_switch")
    assert 'value="CALL-20261206-0042"' in not_read.text  # what was typed stays

    no_pdf = agent.post(ENROLL, {**hidden_fields(review), **statements_of(review), "consent_method": "signed_contract"})
    assert "Choose the PDF of the contract" in error_of(no_pdf.text, "consent_document")
    not_a_pdf = agent.post(ENROLL, {**hidden_fields(review), **statements_of(review), "consent_method": "signed_contract",
                                    "consent_document": (io.BytesIO(b"GIF89a..."), "contract.pdf")},
                           content_type="multipart/form-data")
    assert "The file is not a PDF" in error_of(not_a_pdf.text, "consent_document")
    assert enrollments(app) == []


def test_a_signed_contract_is_kept_privately(app, agent):
    review = to_review(agent, CALLER)
    response = agent.post(ENROLL, {**hidden_fields(review), **statements_of(review), "consent_method": "signed_contract",
                                   "consent_document": (io.BytesIO(PDF), "signed.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    [made] = enrollments(app)
    assert made.consent["method"] == "signed_contract"
    name = made.consent["document"]
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", name)
    stored = Path(app.instance_path) / "signed-contracts" / name
    assert stored.read_bytes() == PDF
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_a_double_submit_enrolls_once(app, agent):
    review = to_review(agent, CALLER)
    first = enroll(agent, review, PHONE_CONSENT)
    second = enroll(agent, review, PHONE_CONSENT)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(enrollments(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 1


def test_the_services_messages_show_by_field_and_keep_what_was_typed(app, agent):
    screen = agent.get(SCREEN)
    wrong = {**CALLER, "email": "ana-at-example", "esi_id": "123", "first_name": "Ana María"}
    response = agent.post(SCREEN, {**wrong, "submission_key": key_of(screen.text), "action": "review"})
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert 'href="#email"' in response.text and 'href="#esi_id"' in response.text
    assert "Enter an email address like name@example.com." in error_of(response.text, "email")
    assert re.search(r'aria-describedby="[^"]*email-error"', response.text)
    assert 'value="Ana María"' in response.text and 'value="ana-at-example"' in response.text
    assert "234-56-7890" not in response.text  # the SSN is never shown back...
    assert "***-**-7890" in response.text  # ...but kept, sealed, for the next post
    assert enrollments(app) == []


def test_the_agent_only_plan_is_offered_here_and_refused_on_the_web(app, agent, wizard: Wizard):
    screen = agent.get(SCREEN)
    shown = agent.post(SCREEN, {"zip": "75201", "customer_type": "residential", "action": "refresh",
                                "submission_key": key_of(screen.text)})
    assert shown.status_code == 200
    assert re.search(r"Phone Special 12</strong> <span class=\"tag\">Agents only</span>", shown.text)
    assert "Lone Star Saver 12" in shown.text  # and the web's plans

    wizard.walk(DALLAS_SWITCH, until="plans")
    refused = wizard.post("/signup/plans", {"plan": "PHONE12"})
    assert refused.status_code == 422
    assert "That plan is not available" in refused.text
    assert "Phone Special 12" not in wizard.get("/signup/plans").text


def test_a_split_zip_shows_its_utilities_without_javascript_and_with_htmx(app, agent):
    key = key_of(agent.get(SCREEN).text)
    page = agent.post(SCREEN, {"zip": "77550", "customer_type": "residential", "action": "refresh",
                               "submission_key": key})
    assert "Which utility delivers electricity to this address?" in page.text
    assert "Texas-New Mexico Power" in page.text and "CenterPoint" in page.text
    assert "<html" in page.text

    part = agent.post(SCREEN, {"zip": "77550", "customer_type": "residential", "action": "refresh",
                               "part": "details", "submission_key": key}, headers={"HX-Request": "true"})
    assert "<html" not in part.text and "<h1" not in part.text
    assert "Which utility delivers electricity to this address?" in part.text
    assert part.headers["Vary"].count("HX-Request")

    offer = agent.post(SCREEN, {"zip": "77550", "customer_type": "residential", "utility": "tnmp", "action": "refresh",
                                "part": "offer", "submission_key": key}, headers={"HX-Request": "true"})
    assert "<html" not in offer.text and 'name="first_name"' not in offer.text  # the plans alone
    assert "delivered by Texas-New Mexico Power" in offer.text and "Average price:" in offer.text

    served = agent.post(SCREEN, {"zip": "10001", "customer_type": "residential", "action": "refresh",
                                 "submission_key": key})
    assert "We don't serve ZIP code 10001 yet" in html.unescape(served.text)


def test_the_address_is_found_and_fills_the_premise(app, agent):
    key = key_of(agent.get(SCREEN).text)
    answers = {**CALLER, "zip": "77550", "plan": "SAVER12", "service_line1": "1500 Main", "service_city": "",
               "esi_id": "", "submission_key": key}
    found = agent.post(SCREEN, {**answers, "action": "find_address"})
    assert "addresses found" in found.text or "address found" in found.text
    esi = re.search(r'name="premise" value="(\d+)"', found.text).group(1)
    used = agent.post(SCREEN, {**answers, "action": "use_address", "premise": esi})
    assert f'value="{esi}"' in used.text
    assert "is served by" in used.text
    assert 'value="GALVESTON"' in used.text or 'value="Galveston"' in used.text


def test_another_address_for_the_same_customer(app, agent):
    review = to_review(agent, CALLER)
    first = enroll(agent, review, PHONE_CONSENT)
    number = first.headers["Location"].rsplit("/", 1)[1]
    done = agent.get(first.headers["Location"])
    assert "Enroll another address for this customer" in done.text

    again = agent.get(f"{SCREEN}?for={number}")
    assert "Another address for Ana Garza" in again.text
    assert 'name="first_name"' not in again.text and 'name="identity_value"' not in again.text
    second_address = {k: v for k, v in CALLER.items() if k not in (
        "first_name", "last_name", "email", "phone", "language", "contact_method", "date_of_birth", "identity_value")}
    second_address.update(service_line1="77 Elm St", service_line2="", esi_id="10443720007777777")
    review2 = to_review(agent, second_address, for_=number)
    assert "an existing customer" in review2
    second = enroll(agent, review2, PHONE_CONSENT)
    assert second.status_code == 303
    one, two = enrollments(app)
    assert one.customer_id == two.customer_id
    assert two.made_by == AGENT and two.channel == "agent"
    assert "added to the My Account they already have" in agent.get(second.headers["Location"]).text

    other_agent = signed_in(app, "agent", "bo@example.com")
    assert other_agent.get(f"{SCREEN}?for={number}").status_code == 404  # not theirs
    assert other_agent.get(first.headers["Location"]).status_code == 404


def test_a_statement_changed_while_it_was_read_is_read_again(app, agent):
    from wizard.catalog.models import Acknowledgement

    review = to_review(agent, CALLER)
    with app.app_context():
        db.session.add(Acknowledgement(code="rescission", version=2, position=2,
                                       text="I may cancel within {rescission_days} federal business days, fee-free."))
        db.session.commit()
    response = enroll(agent, review, PHONE_CONSENT)
    assert response.status_code == 422
    assert "A statement was changed while you were reading it" in html.unescape(response.text)
    assert "I may cancel within 3 federal business days, fee-free." in response.text
    assert statements_of(response.text) and " checked" not in response.text.split("Statements to read")[1].split(
        "Method of consent")[0]  # every statement is ticked again, once read again
    assert enrollments(app) == []
    again = enroll(agent, response.text, PHONE_CONSENT)
    assert again.status_code == 303
    [made] = enrollments(app)
    assert {"code": "rescission", "version": 2,
            "text": "I may cancel within 3 federal business days, fee-free."} in made.consent["statements"]
