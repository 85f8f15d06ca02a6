"""Turning a finished draft into an enrollment: the web channel of the enrollment service
(wizard.enrollments.service), which stores it and hands it to the billing-submit module."""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from billing.models import Enrollment
from wizard.account.models import Account
from wizard.catalog.models import WEB
from wizard.core import i18n
from wizard.core.extensions import db
from wizard.core.models import utcnow
from wizard.enrollments import service
from wizard.enrollments.service import NotReady, UsernameTaken  # noqa: F401  (the views catch them)

from . import attribution
from .context import DraftContext
from .models import Draft


@dataclasses.dataclass(frozen=True)
class ConsentEvidence:
    """What the web consent records besides the statements: when, from where, with what."""

    ip: Optional[str]
    user_agent: str
    #: The language the statements were shown in; None: this request's (the review page's post).
    language: Optional[str] = None


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
    a = ctx.answers
    source = service.Source(WEB, affiliate=ctx.affiliate_code, sub_id=attribution.sub_id(a), utm=attribution.utm(a))
    consent = service.Consent("web", ip=evidence.ip, user_agent=evidence.user_agent,
                              language=evidence.language or i18n.language())
    try:
        enrollment = service.store(ctx, source, consent, draft.id, supplier)
        draft.enrollment_id = enrollment.id
        # Nothing is kept longer than needed: the draft keeps only what the confirmation shows
        # (and its affiliate, whose embedded wizard shows that confirmation).
        draft.answers = {"submitted": True, **({"affiliate": enrollment.affiliate_code} if enrollment.affiliate_code else {})}
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        existing = db.session.scalar(select(Enrollment).where(Enrollment.submission_key == draft.id))
        if existing is not None:
            return existing
        if a.get("customer_status") != "existing" and "username" in str(exc.orig).lower():
            raise UsernameTaken() from None
        raise
    return enrollment


def start_another_premise(account: Account) -> dict[str, Any]:
    """Answers that begin a new draft for an existing customer: identity is not asked again."""
    return {"customer_status": "existing", "account_id": account.id, "account_via": "session",
            "another_premise": True, "customer_type": account.customer.customer_type}

