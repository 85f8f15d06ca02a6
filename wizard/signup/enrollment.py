"""Turning a finished draft into an enrollment handed to the billing-submit module."""
from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import billing
from billing.models import Enrollment
from wizard.account.models import Account
from wizard.catalog import document_files
from wizard.catalog.models import Promo
from wizard.core.extensions import db
from wizard.core.models import Customer, utcnow

from . import address_lookup, attribution, journey, mails
from .context import DraftContext
from .models import Draft
from .steps import STEPS

_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class NotReady(Exception):
    """The draft cannot be submitted yet: `step` needs the customer's attention."""

    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step
        self.message = message


class UsernameTaken(Exception):
    """Someone took the chosen username between the credentials step and submit."""


@dataclasses.dataclass(frozen=True)
class ConsentEvidence:
    """What the web consent records besides the statements: when, from where, with what."""

    ip: Optional[str]
    user_agent: str


def check_ready(ctx: DraftContext) -> None:
    """Re-check the stored draft against today's catalog and calendar before submitting."""
    missing = journey.first_unanswered(STEPS, ctx.answers)
    if missing is not None and missing.slug != "review":
        raise NotReady(missing.slug, "Answer this question before you enroll.")
    if ctx.utility is None:
        raise NotReady("utility", "Choose the utility that serves the address.")
    if a_promo := ctx.answers.get("promo"):
        _, error = ctx.check_promo(a_promo)
        if error:
            raise NotReady("promo", error)
    if ctx.plan is None:
        raise NotReady("plans", "The plan you chose is no longer available. Choose another plan.")
    if ctx.is_texas and (problem := address_lookup.submit_problem(ctx)):
        raise NotReady("premise", problem)
    requested = ctx.answers.get("requested_date")
    if requested:
        kind = "move_in" if ctx.answers.get("enrollment_type") == "move_in" else "switch"
        day = dt.date.fromisoformat(requested)
        if not ctx.earliest_date(kind) <= day <= ctx.latest_date():
            raise NotReady("premise", "The start date you chose has passed or is out of range. Choose a new date.")


def submit(draft: Draft, ctx: DraftContext, evidence: ConsentEvidence, supplier: str) -> Enrollment:
    """Store the enrollment (status "New Enrollment Saved"), its billing outbox row and the
    customer's confirmation email (with the plan's documents) in one transaction.

    Idempotent: the draft id is the enrollment's unique submission key, so a replayed submit
    answers the enrollment already made.
    """
    # Take the draft's row lock first (PostgreSQL: row lock; SQLite: the write lock), then
    # re-read it: a second submit of the same draft waits here and finds the enrollment made.
    db.session.execute(update(Draft).where(Draft.id == draft.id).values(updated_at=utcnow()))
    db.session.refresh(draft)
    if draft.enrollment_id is not None:
        db.session.commit()
        return db.session.get(Enrollment, draft.enrollment_id)
    if ctx.answers.get("promo"):
        # Serialise the last uses of a limited promo code (SQLite already holds its write lock).
        db.session.execute(select(Promo.code).where(Promo.code == ctx.answers["promo"].upper())
                           .with_for_update())
    check_ready(ctx)
    a = ctx.answers
    # Every query before the new rows are added: a query autoflushes them, and a username taken
    # meanwhile must fail in the flush inside the try below, where it is recognised.
    number = _new_number()
    snapshot = _plan_snapshot(ctx)
    # The plan's documents as the confirmation email attaches them, at the versions recorded.
    files = [] if ctx.plan.quote_request else document_files.plan_documents(
        db.session, ctx.plan, ctx.utility.code, snapshot["documents"], supplier)
    snapshot["document_files"] = document_files.record(files)
    account: Optional[Account] = None
    if a.get("customer_status") == "existing":
        customer = db.session.get(Account, a["account_id"]).customer
    else:
        customer = _new_customer(a)
        account = Account(username=a["username"], username_key=a["username"].casefold(),
                          password_hash=a["password_hash"], customer=customer)
        db.session.add(account)
    enrollment = Enrollment(
        number=number, submission_key=draft.id, channel="web", customer=customer,
        state=ctx.state.code, utility_code=ctx.utility.code, plan_code=ctx.plan.code,
        plan_snapshot=snapshot, esi_id=a.get("esi_id") or None,
        service_address=_service_address(a), billing_address=_billing_address(a),
        enrollment_type=a.get("enrollment_type", "switch"), start_timing=a.get("start_timing", "first_available"),
        requested_date=dt.date.fromisoformat(a["requested_date"]) if a.get("requested_date") else None,
        promo_code=a.get("promo") or None, referral_source=a.get("referral"),
        affiliate_code=ctx.affiliate_code, sub_id=attribution.sub_id(a), utm=attribution.utm(a),
        consent=_consent(ctx, evidence, supplier),
    )
    db.session.add(enrollment)
    billing.enqueue(db.session, enrollment)
    try:
        db.session.flush()
        draft.enrollment_id = enrollment.id
        mails.queue_confirmation(db.session, enrollment, files)
        # Nothing is kept longer than needed: the draft keeps only what the confirmation shows
        # (and its affiliate, whose embedded wizard shows that confirmation).
        draft.answers = {"submitted": True, **({"affiliate": enrollment.affiliate_code} if enrollment.affiliate_code else {})}
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        existing = db.session.scalar(select(Enrollment).where(Enrollment.submission_key == draft.id))
        if existing is not None:
            return existing
        if account is not None and "username" in str(exc.orig).lower():
            raise UsernameTaken() from None
        raise
    return enrollment


def _new_customer(a: dict[str, Any]) -> Customer:
    return Customer(
        customer_type=a["customer_type"], first_name=a["first_name"], last_name=a["last_name"],
        email=a["email"], phone=a["phone"], language=a["language"], contact_method=a["contact_method"],
        business_name=a.get("business_name") or None, tax_id=a.get("tax_id") or None,
        date_of_birth_enc=a.get("dob_enc"), identity_enc=a.get("identity_enc"),
        identity_last4=a.get("identity_last4"),
    )


def _new_number() -> str:
    while True:
        number = "EN-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))
        if db.session.scalar(select(Enrollment.id).where(Enrollment.number == number)) is None:
            return number


def _service_address(a: dict[str, Any]) -> dict[str, Any]:
    return {"line1": a["service_line1"], "line2": a.get("service_line2") or "",
            "city": a["service_city"], "state": a["state"], "zip": a["zip"]}


def _billing_address(a: dict[str, Any]) -> dict[str, Any]:
    if a.get("billing_same", "yes") == "yes":
        return _service_address(a)
    return {"line1": a["billing_line1"], "line2": a.get("billing_line2") or "",
            "city": a["billing_city"], "state": a["billing_state"], "zip": a["billing_zip"]}


def _plan_snapshot(ctx: DraftContext) -> dict[str, Any]:
    p = ctx.plan
    return {
        "code": p.code, "name": p.name, "rate_type": p.rate_type,
        "energy_cents_per_kwh": str(p.energy_cents_per_kwh), "base_fee": str(p.base_fee),
        "term_months": p.term_months, "early_termination_fee": str(p.early_termination_fee),
        "average_prices": {str(pp.usage_kwh): str(pp.cents_per_kwh) for pp in ctx.prices(p)},
        "documents": {"efl": p.efl_version, "tos": p.tos_version, "yrac": p.yrac_version},
        "quote_request": p.quote_request,
    }


def _consent(ctx: DraftContext, evidence: ConsentEvidence, supplier: str) -> dict[str, Any]:
    p = ctx.plan
    return {
        "method": "web", "at": utcnow().isoformat(timespec="seconds") + "Z",
        "ip": evidence.ip, "user_agent": evidence.user_agent[:400],
        "statements": [{"code": ack.code, "version": ack.version,
                        "text": ctx.statement_text(ack, supplier)} for ack in ctx.acknowledgements],
        "documents": [{"kind": "EFL", "version": p.efl_version}, {"kind": "TOS", "version": p.tos_version},
                      {"kind": "YRAC", "version": p.yrac_version}],
    }


def start_another_premise(account: Account) -> dict[str, Any]:
    """Answers that begin a new draft for an existing customer: identity is not asked again."""
    return {"customer_status": "existing", "account_id": account.id, "account_via": "session",
            "another_premise": True, "customer_type": account.customer.customer_type}

