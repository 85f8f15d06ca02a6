"""The customer's enrollment emails: the confirmation with the plan's documents, then accepted or rejected.

Each message is queued with what caused it (the enrollment, the status change) and read here as
the customer receives it: the .eml the file transport writes (tests/mail_helpers.py).
"""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

import billing
from billing import Status
from billing.models import Enrollment
from wizard.catalog import documents
from wizard.catalog.models import Plan
from wizard.core import dates
from wizard.core.billing_runner import drain_once as drain_billing
from wizard.core.extensions import db
from wizard.mail.models import MailMessage
from wizard.signup.mails import enrollment_confirmation

from .helpers import DALLAS_SWITCH, Wizard, in_days
from .mail_helpers import deliver_mail, html_of, text_of
from .pdf_helpers import pdf_metadata, pdf_text

KINDS = {"efl": "Electricity Facts Label", "tos": "Terms of Service", "yrac": "Your Rights as a Customer"}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def long_date(day: dt.date) -> str:
    return f"{day:%A, %B} {day.day}, {day.year}"


def sent_at(message) -> dt.datetime:
    """When the message was sent (its Date header), as the naive UTC time the app uses."""
    return message["Date"].datetime.astimezone(dt.UTC).replace(tzinfo=None)


def enroll(app, username: str = "ana.garza", **premise) -> Wizard:
    """A new Dallas customer enrolls on Lone Star Saver 12 (switch, first available date)."""
    wizard = Wizard(app.test_client())
    wizard.walk({**DALLAS_SWITCH, "premise": {**DALLAS_SWITCH["premise"], **premise},
                 "credentials": {**DALLAS_SWITCH["credentials"], "username": username}})
    assert wizard.submit().location.endswith("/signup/confirmation")
    return wizard


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def test_the_customer_is_emailed_the_confirmation_with_the_plans_three_documents(app, session):
    wizard = enroll(app)
    page = text(wizard.get("/signup/confirmation"))
    assert "We have emailed your confirmation and the plan's documents to ana@example.com." in page
    number = re.search(r'class="enrollment-number">([^<]+)<', page).group(1)

    [message] = deliver_mail(app)
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == f"You're enrolled: Lone Star Saver 12 ({number})"
    body = text_of(message)
    assert body.startswith("Hello Ana,")
    assert f"Enrollment number: {number}" in body
    assert "Plan: Lone Star Saver 12 (12 months, 11.9¢ per kWh)" in body
    assert "Service address: 1200 Main St, Apt 4, Dallas, TX 75201" in body
    # The rescission period starts when the customer receives the Terms of Service: this email.
    received = dates.market_day(sent_at(message))
    deadline = long_date(dates.rescission_ends(received, 3))
    assert (f"You can cancel without a fee within 3 federal business days of receiving the Terms of Service, "
            f"that is until {deadline}.") in body
    assert f"Start: Switch on the first available date, about {long_date(dates.first_available_switch(received, 3))}" in body
    assert "Our billing system sends your switch request to the utility after the days in which you can cancel" in body
    assert "Follow your enrollment's status in My Account:\n   http://localhost/account/" in body

    html = html_of(message)
    assert '<html lang="en">' in html and "<h1" in html and "<title>You're enrolled: Lone Star Saver 12" in unescape(html)
    assert f"that is until <strong>{deadline}</strong>" in html
    assert 'href="http://localhost/account/"' in html
    assert not re.search(r"<(img|link|script|iframe)\b|\bsrc=", html), "no external resources, no scripts"

    files = attachments(message)
    assert list(files) == ["Electricity-Facts-Label-SAVER12-v1.pdf", "Terms-of-Service-SAVER12-v1.pdf",
                           "Your-Rights-as-a-Customer-SAVER12-v1.pdf"]
    assert {part.get_content_type() for part in message.iter_attachments()} == {"application/pdf"}
    for (name, data), title in zip(files.items(), KINDS.values(), strict=True):
        assert data.startswith(b"%PDF-"), name
        shown = pdf_text(data)
        assert shown.startswith(title) and "Lone Star Saver 12 (SAVER12)" in shown and "Version 1" in shown, shown
        assert pdf_metadata(data, "Title") == f"{title}: Lone Star Saver 12, version 1"
    assert "Average price per kWh, Oncor Electric Delivery service area" in pdf_text(files[
        "Electricity-Facts-Label-SAVER12-v1.pdf"])  # the customer's utility, as the page they saw

    snapshot = session.scalar(select(Enrollment.plan_snapshot))
    assert snapshot["documents"] == {"efl": "1", "tos": "1", "yrac": "1"}
    assert snapshot["document_files"]["efl"] == {"version": "1", "filename": "Electricity-Facts-Label-SAVER12-v1.pdf",
                                                 "source": "generated"}
    assert deliver_mail(app) == []  # sent once


def test_the_deadline_counts_from_when_the_email_is_sent_not_when_it_was_queued():
    context = {"number": "EN-TEST0001", "plan": {"name": "Lone Star Saver 12"}, "rescission_business_days": 3,
               "enrollment_type": "switch", "start_timing": "first_available", "requested_date": None}
    # Friday 2026-11-20 at 11:30 PM in Dallas is already Saturday in UTC: the market's Friday counts.
    friday = enrollment_confirmation(context, dt.datetime(2026, 11, 21, 5, 30))
    assert friday.context["rescission_ends"] == "Wednesday, November 25, 2026"
    # Held up until Tuesday: Thanksgiving (Thursday 26th) is no business day.
    tuesday = enrollment_confirmation(context, dt.datetime(2026, 11, 24, 15, 0))
    assert tuesday.context["rescission_ends"] == "Monday, November 30, 2026"
    assert tuesday.context["start"] == "Switch on the first available date, about Thursday, December 3, 2026"


def test_a_move_in_and_a_chosen_switch_date_are_confirmed_with_their_dates(app):
    move_in = in_days(10)
    enroll(app, "mover", enrollment_type="move_in", move_in_date=move_in, esi_id="10443720001111111")
    enroll(app, "chooser", start_timing="self_selected", switch_date=in_days(20), esi_id="10443720002222222")
    bodies = [text_of(m) for m in deliver_mail(app)]
    assert f"Start: Move-in on {long_date(dt.date.fromisoformat(move_in))}\n" in bodies[0]
    assert "Our billing system sends your move-in request to the utility for the date you chose." in bodies[0]
    chosen = long_date(dt.date.fromisoformat(in_days(20)))
    assert f"Start: Switch on {chosen} (the date you chose)\n" in bodies[1]


def test_an_uploaded_pdf_is_attached_as_it_was_uploaded_and_a_link_is_named(app, session):
    uploaded = b"%PDF-1.7\n% marketing's own EFL for Lone Star Saver 12\n%%EOF\n"
    with db.sessionmaker(app)() as s:
        plan = s.get(Plan, "SAVER12")
        documents.add_document(s, plan, "efl", filename="saver-efl-final.pdf", content=uploaded)
        documents.add_document(s, plan, "tos", url="https://docs.example.com/saver12-tos.pdf")
        s.commit()
    enroll(app)
    [message] = deliver_mail(app)
    files = attachments(message)
    assert list(files) == ["Electricity-Facts-Label-SAVER12-v2.pdf", "Terms-of-Service-SAVER12-v2.pdf",
                           "Your-Rights-as-a-Customer-SAVER12-v1.pdf"]
    assert files["Electricity-Facts-Label-SAVER12-v2.pdf"] == uploaded  # byte for byte
    tos = pdf_text(files["Terms-of-Service-SAVER12-v2.pdf"])
    assert "Version 2" in tos and "The published version of this document is at https://docs.example.com/saver12-tos.pdf" in tos
    body = text_of(message)
    assert "- Terms of Service, version 2: Terms-of-Service-SAVER12-v2.pdf\n" \
           "  The published document: https://docs.example.com/saver12-tos.pdf" in body
    snapshot = session.scalar(select(Enrollment.plan_snapshot))
    assert snapshot["documents"] == {"efl": "2", "tos": "2", "yrac": "1"}
    assert {k: v["source"] for k, v in snapshot["document_files"].items()} == {
        "efl": "uploaded", "tos": "link", "yrac": "generated"}
    assert snapshot["document_files"]["tos"]["url"] == "https://docs.example.com/saver12-tos.pdf"


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_generated_pdf_holds_what_the_documents_web_page_holds(app, kind):
    """Credit Saver 12 has every optional fact: a bill credit and a fee per remaining month."""
    page = text(app.test_client().get(f"/documents/CREDIT12/{kind}?utility=oncor"))
    article = re.search(r'<article class="document">(.*?)</article>', page, re.S).group(1)
    shown_on_page = [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", piece))).strip()
                     for piece in re.findall(r"<(?:h1|h2|p|caption|th|td|dt|dd)\b[^>]*>(.*?)</", article, re.S)]
    with app.app_context():
        plan = db.session.get(Plan, "CREDIT12")
        from wizard.catalog.document_files import plan_documents
        files = plan_documents(db.session, plan, "oncor", {"efl": "1", "tos": "1", "yrac": "1"}, "Lone Star Power")
    pdf = pdf_text(next(f.data for f in files if f.kind == kind))
    missing = [piece for piece in shown_on_page if piece and piece not in pdf]
    assert missing == [], (missing, pdf)


def test_no_email_when_the_enrollment_is_rolled_back(app, session):
    """Two customers chose the same username; the second's enrollment is undone, and so is its email."""
    first, second = Wizard(app.test_client()), Wizard(app.test_client())
    for wizard in (first, second):
        wizard.walk()
    assert first.submit().location.endswith("/signup/confirmation")
    taken = second.submit()
    assert taken.location.endswith("/signup/credentials")
    assert "Someone took that username a moment ago" in text(second.get("/signup/credentials"))
    assert session.scalar(select(func.count()).select_from(Enrollment)) == 1
    assert session.scalar(select(func.count()).select_from(MailMessage)) == 1
    assert [m["To"] for m in deliver_mail(app)] == ["ana@example.com"]


def test_a_quote_request_gets_a_short_note_without_documents_or_deadline(app):
    wizard = Wizard(app.test_client())
    wizard.walk({"zip": {"zip": "75201"}, "promo": {"promo": ""}, "customer-type": {"customer_type": "commercial"},
                 "referral": {"referral": "search"}, "plans": {"plan": "BIZQUOTE"},
                 "customer": {"customer_status": "new"},
                 "about-you": {**DALLAS_SWITCH["about-you"], "business_name": "Taco Hut LLC", "tax_id": "123456789"},
                 "premise": DALLAS_SWITCH["premise"], "credentials": DALLAS_SWITCH["credentials"]})
    wizard.submit()
    page = text(wizard.get("/signup/confirmation"))
    assert "We have emailed a copy of your request to ana@example.com." in page
    [message] = deliver_mail(app)
    assert message["Subject"].startswith("We received your quote request EN-")
    body = text_of(message)
    assert "We received your quote request for Business Custom Quote." in body
    assert "Nothing is switched until you accept the quote." in body
    assert "cancel" not in body and list(message.iter_attachments()) == []


# --- status emails --------------------------------------------------------------------------------

def status_file(app, name: str, number: str, status: str, extra: str = "") -> None:
    inbox = Path(app.config["BILLING_STATUS_DIR"])
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_text(f"<ProspectStatus><EnrollmentNumber>{number}</EnrollmentNumber>"
                              f"<Status>{status}</Status>{extra}</ProspectStatus>")


def test_accepted_and_rejected_are_emailed_once_each(make_app, tmp_path, session):
    app = make_app(BILLING_STATUS_DIR=str(tmp_path / "status"))
    enroll(app, "ana.garza")
    enroll(app, "ana.second", service_line1="9 Oak St", esi_id="10443720009999999")
    assert len(deliver_mail(app)) == 2  # the confirmations
    drain_billing(app)  # both sent: Submitted, Awaiting Response
    accepted, rejected = session.scalars(select(Enrollment.number).order_by(Enrollment.id)).all()
    status_file(app, "a.xml", accepted, "accepted", "<StartDate>2026-12-03</StartDate>")
    status_file(app, "b.xml", rejected, "rejected", "<Reason>The ESI ID is not at this address</Reason>")
    drain_billing(app)  # the poll brings the answers back

    news = {m["Subject"]: m for m in deliver_mail(app)}
    assert set(news) == {f"Your enrollment {accepted} is accepted", f"Your enrollment {rejected} could not be completed"}
    good = news[f"Your enrollment {accepted} is accepted"]
    assert good["To"] == "ana@example.com"
    assert "Your service with Lone Star Power starts on Thursday, December 3, 2026." in text_of(good)
    assert "Service address: 1200 Main St, Apt 4, Dallas, TX 75201" in text_of(good)
    assert 'href="http://localhost/account/"' in html_of(good)  # the link the confirmation carried
    bad = text_of(news[f"Your enrollment {rejected} could not be completed"])
    assert "We could not complete your enrollment" in bad and "9 Oak St, Apt 4, Dallas, TX 75201" in bad
    assert "The reason we were given: The ESI ID is not at this address" in bad
    assert "What to do: call customer service at 1-800-555-0199 and give your enrollment number" in bad

    # Operations fix and resubmit the rejected one; it is rejected again: no second email about it.
    with db.sessionmaker(app)() as s:
        billing.resubmit(s, s.scalar(select(Enrollment).where(Enrollment.number == rejected)), "ESI ID corrected")
        s.commit()
    drain_billing(app)
    status_file(app, "c.xml", rejected, "rejected", "<Reason>Still wrong</Reason>")
    drain_billing(app)
    assert session.scalar(select(Enrollment.status).where(Enrollment.number == rejected)) == Status.REJECTED
    assert deliver_mail(app) == []


def test_a_status_email_is_undone_with_its_status_change(app, session):
    enroll(app)
    deliver_mail(app)
    with db.sessionmaker(app)() as s:
        enrollment = s.scalar(select(Enrollment))
        billing.set_status(s, enrollment, Status.ACCEPTED, "test")
        assert s.scalar(select(func.count()).select_from(MailMessage)) == 2  # queued in this transaction
        s.rollback()
    assert session.scalar(select(func.count()).select_from(MailMessage)) == 1
    assert deliver_mail(app) == []


def test_statuses_the_customer_is_not_told_about_send_nothing(app, session):
    enroll(app)
    deliver_mail(app)
    with db.sessionmaker(app)() as s:
        billing.cancel(s, s.scalar(select(Enrollment)), "customer called")
        s.commit()
    assert deliver_mail(app) == []


def test_links_in_the_emails_are_built_on_site_url_not_on_the_requests_host(make_app, tmp_path):
    app = make_app(SITE_URL="https://signup.example.com", BILLING_STATUS_DIR=str(tmp_path / "status"))
    wizard = Wizard(app.test_client())
    wizard.client.environ_base["HTTP_HOST"] = "attacker.example"
    wizard.walk()
    wizard.submit()
    [confirmation] = deliver_mail(app)
    assert "https://signup.example.com/account/" in text_of(confirmation) and "attacker" not in text_of(confirmation)
    drain_billing(app)
    with db.sessionmaker(app)() as s:
        number = s.scalar(select(Enrollment.number))
    status_file(app, "a.xml", number, "accepted")
    drain_billing(app)
    [accepted] = deliver_mail(app)
    assert "The utility confirms the date your service starts" in text_of(accepted)
    assert 'href="https://signup.example.com/account/"' in html_of(accepted)
