"""Operations: the enrollment queue, the masked detail page, cancel, test order, correct and resubmit."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

import billing
from billing import Status
from billing.models import Enrollment, OutboxItem
from wizard.admin.models import AuditEntry
from wizard.core.billing_runner import drain_once
from wizard.core.dates import today
from wizard.core.extensions import db

from .admin_helpers import signed_in
from .billing_fixtures import make_enrollment
from .helpers import Wizard


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def enroll(app, n: int, **changes):
    """An enrollment stored as a channel would (see billing_fixtures); answer its number."""
    with db.sessionmaker(app)() as session:
        return make_enrollment(session, app.extensions["cipher"], n=n, **changes).number


def set_status(app, number: str, *steps: tuple[Status, str]) -> None:
    """Move an enrollment along as billing would (e.g. delivered, then rejected)."""
    with db.sessionmaker(app)() as session:
        enrollment = session.scalar(select(Enrollment).where(Enrollment.number == number))
        for status, message in steps:
            billing.set_status(session, enrollment, status, "billing answered", message)
        session.commit()


def rejected(app, number: str, delivered: bool = False) -> None:
    """Delivered (unless it already is), then rejected by the utility."""
    steps = [] if delivered else [(Status.AWAITING_RESPONSE, None)]
    set_status(app, number, *steps, (Status.REJECTED, "ESI ID not found at the utility"))


def numbers_listed(html: str) -> list[str]:
    """Enrollment numbers in the queue's table, in order."""
    return re.findall(r'<th scope="row"><a href="/admin/enrollments/(EN-[A-Z0-9]+)"', html)


@pytest.fixture
def ops(app):
    return signed_in(app, "operations")


# --- the queue ---------------------------------------------------------------------------------

def test_queue_lists_newest_first_with_a_masked_name(app, ops):
    enroll(app, 1, created_at=dt.datetime(2026, 11, 1, 12))
    enroll(app, 2, created_at=dt.datetime(2026, 11, 2, 12))
    page = text(ops.get("/admin/enrollments"))
    assert numbers_listed(page) == ["EN-TEST0002", "EN-TEST0001"]
    assert "2 enrollments, newest first" in page
    assert "Ana G." in page and "Garza" not in page
    assert "Oncor Electric Delivery" in page and "Direct web" in page


def test_queue_filters_by_status_affiliate_and_market_day(app, ops):
    enroll(app, 1, created_at=dt.datetime(2026, 11, 3, 3))  # Nov 2, 9 pm in Texas
    enroll(app, 2, created_at=dt.datetime(2026, 11, 3, 7), affiliate_code="ACME")
    enroll(app, 3, created_at=dt.datetime(2026, 11, 4, 12))
    rejected(app, "EN-TEST0003")
    assert numbers_listed(text(ops.get("/admin/enrollments?status=Rejected"))) == ["EN-TEST0003"]
    assert numbers_listed(text(ops.get("/admin/enrollments?affiliate=ACME"))) == ["EN-TEST0002"]
    assert numbers_listed(text(ops.get("/admin/enrollments?affiliate=direct"))) == ["EN-TEST0003", "EN-TEST0001"]
    assert numbers_listed(text(ops.get("/admin/enrollments?created_from=2026-11-03&created_to=2026-11-03"))) \
        == ["EN-TEST0002"]
    assert numbers_listed(text(ops.get("/admin/enrollments?created_to=2026-11-02"))) == ["EN-TEST0001"]
    counts = text(ops.get("/admin/enrollments?affiliate=direct"))
    assert "Rejected</a>: <strong>1</strong>" in counts and "New Enrollment Saved</a>: <strong>1</strong>" in counts


def test_queue_filters_by_channel_and_the_detail_says_who_made_it(app, ops):
    enroll(app, 1)
    enroll(app, 2, channel="agent", made_by="agent@example.com")
    enroll(app, 3, channel="import", made_by="import 7 line 12")
    assert numbers_listed(text(ops.get("/admin/enrollments?channel=agent"))) == ["EN-TEST0002"]
    assert numbers_listed(text(ops.get("/admin/enrollments?channel=web"))) == ["EN-TEST0001"]
    listed = text(ops.get("/admin/enrollments"))
    assert "<td>Agent (Quick Enrollment)</td>" in listed and "<td>Sales import</td>" in listed
    detail = text(ops.get("/admin/enrollments/EN-TEST0003"))
    assert "Sales import" in detail and "import 7 line 12" in detail
    assert "Choose a channel from the list" in text(ops.get("/admin/enrollments?channel=fax"))


@pytest.mark.parametrize("query, message", [
    ("status=Lost", "Choose a status from the list, or any status."),
    ("affiliate=NOPE", "Choose an affiliate from the list, direct web sales or any."),
    ("created_from=yesterday", "Enter the date as year-month-day, like 2026-11-30."),
    ("created_from=2026-11-05&created_to=2026-11-01", "The end date must be on or after the start date."),
    ("page=0", "Enter a page number from 1 to 100,000."),
    ("page=abc", "Enter a page number from 1 to 100,000."),
])
def test_bad_filters_are_form_errors(app, ops, query, message):
    response = ops.get(f"/admin/enrollments?{query}")
    assert response.status_code == 422
    assert message in text(response) and "There is a problem" in text(response)


def test_queue_pages_by_fifty(app, ops):
    for n in range(1, 53):
        enroll(app, n, created_at=dt.datetime(2026, 11, 1) + dt.timedelta(minutes=n))
    first = text(ops.get("/admin/enrollments"))
    assert len(numbers_listed(first)) == 50 and "page 1 of 2" in first
    second = text(ops.get("/admin/enrollments?page=2"))
    assert numbers_listed(second) == ["EN-TEST0002", "EN-TEST0001"]
    assert "Previous page" in second and "Next page" not in second


def test_queue_is_for_operations_only(app):
    marketing = signed_in(app, "marketing")
    refused = marketing.get("/admin/enrollments")
    assert refused.status_code == 403 and "Your staff role does not include this page." in refused.text
    enroll(app, 1)
    assert marketing.post("/admin/enrollments/EN-TEST0001/cancel", {"reason": "x"}).status_code == 403


# --- the detail page ---------------------------------------------------------------------------

def test_identity_value_and_birth_date_never_reach_an_admin_page(app, ops):
    wizard = Wizard(app.test_client())
    wizard.walk()
    wizard.submit()
    queue = text(ops.get("/admin/enrollments"))
    [number] = numbers_listed(queue)
    pages = [queue, text(ops.get(f"/admin/enrollments/{number}"))]
    rejected(app, number)
    pages.append(text(ops.get(f"/admin/enrollments/{number}/correct")))
    pages.append(text(ops.post(f"/admin/enrollments/{number}/correct", {"phone": "not a phone"})))
    for page in pages:
        for secret in ("234-56-7890", "234567890", "1980-03-27", "ana@example.com", "5550100", "Garza"):
            assert secret not in page
    detail = pages[1]
    assert "•••-••-7890" in detail and "a•••@example.com" in detail and "(•••) •••-0100" in detail
    assert "On file (encrypted)" in detail and "10443720001234567" in detail and "1200 Main St" in detail


def test_detail_shows_plan_history_and_consent_evidence(app, ops):
    wizard = Wizard(app.test_client())
    wizard.walk()
    wizard.submit()
    [number] = numbers_listed(text(ops.get("/admin/enrollments")))
    rejected(app, number)
    page = text(ops.get(f"/admin/enrollments/{number}"))
    assert "Lone Star Saver 12" in page and "Average price at 1000 kWh" in page
    assert "ESI ID not found at the utility" in page and "Submitted: Awaiting Response" in page
    assert "I understand that I may cancel this enrollment" in page and "EFL shown" in page
    assert "127.0.0.1" in page


def test_unknown_enrollment_is_404(app, ops):
    missing = ops.get("/admin/enrollments/EN-NOSUCH")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert ops.post("/admin/enrollments/EN-NOSUCH/cancel", {"reason": "x"}).status_code == 404
    assert ops.get("/admin/enrollments/EN-NOSUCH/correct").status_code == 404


# --- cancel and test order ---------------------------------------------------------------------

def test_cancel_takes_it_out_of_the_outbox(app, ops, session):
    number = enroll(app, 1)
    response = ops.post(f"/admin/enrollments/{number}/cancel", {"reason": "customer called to cancel"})
    assert response.status_code == 303
    page = text(ops.get(response.location))
    assert "is now Cancelled" in page and "customer called to cancel" in page
    assert "Cancel enrollment" not in page and "Correct and resubmit" not in page
    assert drain_once(app).sent == 0
    assert not list(Path(app.config["BILLING_DROP_DIR"]).glob("**/*.xml"))  # no file dropped for billing
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "enrollment"))
    assert (entry.action, entry.entity_id, entry.actor) == ("cancel", number, "operations@example.com")
    assert entry.before == {"status": "New Enrollment Saved"}
    assert entry.after == {"status": "Cancelled", "reason": "customer called to cancel"}


def test_cancel_needs_a_reason(app, ops, session):
    number = enroll(app, 1)
    response = ops.post(f"/admin/enrollments/{number}/cancel", {"reason": "  "})
    assert response.status_code == 422
    assert "Enter why the enrollment is cancelled" in text(response)
    assert 'aria-describedby="reason-hint reason-error"' in text(response)
    assert session.scalar(select(Enrollment.status)) == Status.NEW


def test_mark_as_test_order(app, ops, session):
    number = enroll(app, 1)
    response = ops.post(f"/admin/enrollments/{number}/test-order")
    assert "is now Cancelled - Test Order" in text(ops.get(response.location))
    assert drain_once(app).sent == 0
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.entity_type == "enrollment")) == "test order"


def test_actions_not_allowed_in_the_status_are_refused_plainly(app, ops, session):
    number = enroll(app, 1)
    set_status(app, number, (Status.AWAITING_RESPONSE, None), (Status.ACCEPTED, None))
    page = text(ops.get(f"/admin/enrollments/{number}"))
    assert "Cancel enrollment" not in page and "Correct and resubmit" not in page
    for path, data in (("cancel", {"reason": "too late"}), ("test-order", {}), ("correct", {})):
        response = ops.post(f"/admin/enrollments/{number}/{path}", data)
        assert response.status_code == 303
        assert f"Enrollment {number} is Accepted: it cannot be" in text(ops.get(response.location))
    assert session.scalar(select(Enrollment.status)) == Status.ACCEPTED
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.entity_type == "enrollment")) is None


# --- correct and resubmit ----------------------------------------------------------------------

CORRECTION = {"first_name": "Anna", "email": "anna.garza@example.net", "phone": "(972) 555-0199",
              "service_line1": "1201 Main St", "service_line2": "", "service_city": "Dallas",
              "service_zip": "75201", "esi_id": "10443720001239999", "requested_date": ""}


def test_correct_and_resubmit_a_rejected_enrollment(app, ops, session):
    number = enroll(app, 1)
    drain_once(app)
    rejected(app, number, delivered=True)
    form = text(ops.get(f"/admin/enrollments/{number}/correct"))
    assert 'value="1200 Main St"' in form and "Now a•••@example.com. Leave empty to keep it." in form
    response = ops.post(f"/admin/enrollments/{number}/correct", CORRECTION)
    assert response.status_code == 303, text(response)
    assert "is New Enrollment Saved" in text(ops.get(response.location))

    enrollment = session.scalar(select(Enrollment))
    assert enrollment.status == Status.NEW and enrollment.resubmissions == 1
    assert enrollment.customer.first_name == "Anna" and enrollment.customer.last_name == "Garza & Sons <x>"
    assert enrollment.customer.phone == "+19725550199" and enrollment.customer.email == "anna.garza@example.net"
    assert enrollment.esi_id == "10443720001239999"
    assert enrollment.service_address["line1"] == enrollment.billing_address["line1"] == "1201 Main St"
    item = session.scalar(select(OutboxItem))
    assert item.sent_at is None and item.attempts == 0 and item.gave_up_at is None

    correct, resubmit = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "enrollment")
                                        .order_by(AuditEntry.id)).all()
    assert correct.action == "correct" and correct.entity_id == number
    assert correct.before == {"first_name": "A•••", "email": "a•••@example.com", "phone": "(•••) •••-0100",
                              "service_line1": "1200 Main St", "esi_id": "10443720001234567"}
    assert correct.after == {"first_name": "A•••", "email": "a•••@example.net", "phone": "(•••) •••-0199",
                             "service_line1": "1201 Main St", "esi_id": "10443720001239999"}
    assert resubmit.action == "resubmit"
    assert resubmit.before == {"status": "Rejected"} and resubmit.after["status"] == "New Enrollment Saved"

    assert drain_once(app).sent == 1  # delivered again, as a new prospect
    session.expire_all()
    assert session.scalar(select(Enrollment.status)) == Status.AWAITING_RESPONSE


@pytest.mark.parametrize("field, value, message", [
    ("esi_id", "10082000001234567", "That ESI ID does not belong to Oncor Electric Delivery"),
    ("esi_id", "1044372", "Enter the ESI ID as 17 or 22 digits."),
    ("phone", "555", "Enter a US phone number with area code"),
    ("email", "ana@", "Enter an email address like name@example.com."),
    ("service_zip", "7520", "Enter the ZIP code of the premise as 5 digits"),
    ("service_zip", "77002", "Oncor Electric Delivery does not serve ZIP 77002."),
    ("requested_date", "2020-01-01", "Choose a date from"),
    ("requested_date", "soon", "Enter the date as year-month-day"),
    ("service_line1", "", "Enter the street address of the premise."),
])
def test_correction_is_validated_and_changes_nothing_when_wrong(app, ops, session, field, value, message):
    number = enroll(app, 1)
    rejected(app, number)
    response = ops.post(f"/admin/enrollments/{number}/correct", {**CORRECTION, field: value})
    assert response.status_code == 422
    assert message in text(response)
    assert f'href="#{field}"' in text(response)
    enrollment = session.scalar(select(Enrollment))
    assert enrollment.status == Status.REJECTED and enrollment.esi_id == "10443720001234567"
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.entity_type == "enrollment")) is None


def test_a_move_in_correction_needs_its_date(app, ops, session):
    number = enroll(app, 1)
    rejected(app, number)
    enrollment = session.scalar(select(Enrollment))
    enrollment.enrollment_type = "move_in"
    session.commit()
    response = ops.post(f"/admin/enrollments/{number}/correct", {**CORRECTION, "requested_date": ""})
    assert response.status_code == 422
    assert "Enter the move-in date." in text(response) and 'href="#requested_date"' in text(response)
    session.expire_all()
    assert session.scalar(select(Enrollment.status)) == Status.REJECTED


def test_resubmit_without_changes_after_an_on_hold(app, ops, session):
    number = enroll(app, 1)
    set_status(app, number, (Status.ON_HOLD, "Not delivered after 12 attempts"))
    form = text(ops.get(f"/admin/enrollments/{number}/correct"))
    assert "Not delivered after 12 attempts" in form
    ops.post(f"/admin/enrollments/{number}/correct", {**CORRECTION, "first_name": "", "email": "", "phone": "",
                                                      "service_line1": "1200 Main St", "esi_id": "10443720001234567"})
    assert session.scalar(select(Enrollment.status)) == Status.NEW
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "enrollment")).all()
    assert actions == ["resubmit"]


def test_resubmit_is_refused_for_an_accepted_enrollment(app, ops, session):
    number = enroll(app, 1)
    set_status(app, number, (Status.AWAITING_RESPONSE, None), (Status.ACCEPTED, None))
    response = ops.get(f"/admin/enrollments/{number}/correct")
    assert response.status_code == 303
    response = ops.post(f"/admin/enrollments/{number}/correct", CORRECTION)
    assert response.status_code == 303
    assert "only rejected, errored or on-hold ones can be" in text(ops.get(response.location))
    enrollment = session.scalar(select(Enrollment))
    assert enrollment.status == Status.ACCEPTED and enrollment.customer.first_name == "Ana"


def test_a_chosen_date_makes_the_switch_self_selected(app, ops, session):
    wizard = Wizard(app.test_client())
    wizard.walk()
    wizard.submit()
    [number] = numbers_listed(text(ops.get("/admin/enrollments")))
    rejected(app, number)
    chosen = today() + dt.timedelta(days=30)
    ok = ops.post(f"/admin/enrollments/{number}/correct", {
        **CORRECTION, "service_line2": "Apt 4", "requested_date": chosen.isoformat()})
    assert ok.status_code == 303, text(ok)
    enrollment = session.scalar(select(Enrollment))
    assert enrollment.start_timing == "self_selected" and enrollment.requested_date == chosen
    assert enrollment.service_address["line2"] == "Apt 4"
    assert f"Requested date</th><td>{chosen.isoformat()}" in text(ops.get(f"/admin/enrollments/{number}"))
