"""The customer's enrollment emails: the confirmation (with the plan's documents) and the status news.

Each is queued in the transaction that causes it: the confirmation with the enrollment
(`queue_confirmation`, called by `enrollment.submit`), a status email with the status change
(`queue_status_mail`, a billing status listener). The facts are stored when queued; what depends
on the moment of sending (the rescission deadline: the period starts when the customer receives
the Terms of Service) is worked out by the builders when the message is sent. Every one is
written in the customer's language (`Customer.language`, chosen in the wizard).
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, Optional, Sequence

from flask import has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.events import on_status_change
from billing.models import Enrollment
from billing.statuses import Status
from wizard.catalog.document_files import DocumentFile
from wizard.catalog.models import Plan, State
from wizard.core import dates, i18n
from wizard.mail.formats import full_date as long_date
from wizard.mail.kinds import Message, mail_kind
from wizard.mail.links import NoSiteUrl, link
from wizard.mail.models import MailMessage
from wizard.mail.outbox import Attachment, queue

CONFIRMATION = "enrollment_confirmation"
#: The statuses a customer is emailed about, and the kind of each email.
STATUS_KINDS = {Status.ACCEPTED: "enrollment_accepted", Status.REJECTED: "enrollment_rejected"}


def confirmation_key(enrollment: Enrollment) -> str:
    """The confirmation's outbox key: one confirmation per enrollment."""
    return f"confirmation:{enrollment.id}"


def _account_link() -> Optional[str]:
    """My Account's absolute address for an email (wizard/mail/links.py: on SITE_URL when set);
    None where none can be made (no app, or no SITE_URL outside a request in production)."""
    if not has_app_context():
        return None
    try:
        return link("account.home")
    except NoSiteUrl:
        return None


def plan_name_es(session: Session, enrollment: Enrollment) -> Optional[str]:
    """The Spanish name of the enrollment's plan, when marketing wrote one (kept with its emails)."""
    plan = session.get(Plan, enrollment.plan_code)
    return getattr(plan, "name_es", None) or None


def one_line(address: dict[str, Any]) -> str:
    """1200 Main St, Apt 4, Dallas, TX 75201."""
    street = ", ".join(part for part in (address.get("line1"), address.get("line2")) if part)
    return f"{street}, {address.get('city')}, {address.get('state')} {address.get('zip')}"


# --- the confirmation ---------------------------------------------------------------------------

def queue_confirmation(session: Session, enrollment: Enrollment, files: Sequence[DocumentFile]) -> Optional[MailMessage]:
    """Queue the enrollment's confirmation with `files` (the plan's EFL, TOS and YRAC at the
    versions the enrollment recorded) attached; a quote request gets a short note instead.

    The enrollment must be flushed (the message is keyed by its id); the caller commits.
    """
    snapshot = enrollment.plan_snapshot
    customer = enrollment.customer
    context = {
        "enrollment_id": enrollment.id, "number": enrollment.number, "first_name": customer.first_name,
        "email": customer.email, "quote_request": bool(snapshot.get("quote_request")),
        "plan": {"code": enrollment.plan_code, "name": snapshot.get("name"),
                 "name_es": snapshot.get("name_es") or plan_name_es(session, enrollment),
                 "term_months": snapshot.get("term_months"),
                 "rate_type": snapshot.get("rate_type"), "energy_cents_per_kwh": snapshot.get("energy_cents_per_kwh")},
        "service_address": one_line(enrollment.service_address), "enrollment_type": enrollment.enrollment_type,
        "start_timing": enrollment.start_timing,
        "requested_date": enrollment.requested_date.isoformat() if enrollment.requested_date else None,
        "rescission_business_days": session.get(State, enrollment.state).rescission_business_days,
        "documents": [{"kind": f.kind, "title": f.title, "version": f.version, "filename": f.filename,
                       "source": f.source, "url": f.url} for f in files],
        "account_url": _account_link(),
    }
    return queue(session, CONFIRMATION, customer.email, context,
                 attachments=[Attachment(f.filename, "application/pdf", f.data) for f in files],
                 key=confirmation_key(enrollment), language=customer.language)


def confirmation_queued(session: Session, enrollment: Enrollment) -> bool:
    """Whether a confirmation email was queued for the enrollment (the page may then say so)."""
    return session.scalar(select(MailMessage.id).where(MailMessage.key == confirmation_key(enrollment))) is not None


@mail_kind(CONFIRMATION)
def enrollment_confirmation(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """The confirmation; the rescission deadline counts from the day it is sent (received)."""
    sent_day = dates.market_day(sent_at)
    days = int(context["rescission_business_days"])
    requested = context.get("requested_date")
    requested_date = dt.date.fromisoformat(requested) if requested else None
    first_available = dates.first_available_switch(sent_day, days)
    if context["enrollment_type"] == "move_in":
        start = _("Move-in on %(date)s", date=long_date(requested_date))
    elif context["start_timing"] == "self_selected":
        start = _("Switch on %(date)s (the date you chose)", date=long_date(requested_date))
    else:
        start = _("Switch on the first available date, about %(date)s", date=long_date(first_available))
    plan = SimpleNamespace(**{"name_es": None, **context["plan"]})  # a catalog text: `plan | local("name")`
    values = {**context, "plan": plan, "sent_day": sent_day, "start": start, "requested_date": requested_date,
              "rescission_ends": long_date(dates.rescission_ends(sent_day, days)),
              "first_available": first_available}
    if context.get("quote_request"):
        return Message(_("We received your quote request %(number)s", number=context["number"]),
                       "mail/quote_request_received", values)
    return Message(_("You're enrolled: %(plan)s (%(number)s)", plan=i18n.local(plan, "name"), number=context["number"]),
                   "mail/enrollment_confirmation", values)


# --- status emails ------------------------------------------------------------------------------

@on_status_change
def queue_status_mail(session: Session, enrollment: Enrollment, old: Optional[Status], new: Status) -> None:
    """Queue the customer's email about an accepted or rejected enrollment, once per enrollment
    and status, in the status change's transaction."""
    kind = STATUS_KINDS.get(new)
    if kind is None or not enrollment.customer or not enrollment.customer.email:
        return
    # The billing worker that records the status may run with no app (a thread of the dev
    # server): the link is then the one the confirmation carried, made in the customer's request.
    confirmation = session.scalar(select(MailMessage.context).where(MailMessage.key == confirmation_key(enrollment)))
    context = {
        "enrollment_id": enrollment.id, "number": enrollment.number,
        "first_name": enrollment.customer.first_name,
        "plan_name": (enrollment.plan_snapshot or {}).get("name") or enrollment.plan_code,
        "plan_name_es": plan_name_es(session, enrollment),
        "service_address": one_line(enrollment.service_address), "enrollment_type": enrollment.enrollment_type,
        "service_start_date": enrollment.service_start_date.isoformat() if enrollment.service_start_date else None,
        "reason": enrollment.status_message if new is Status.REJECTED else None,
        "account_url": (confirmation or {}).get("account_url") or _account_link(),
    }
    queue(session, kind, enrollment.customer.email, context, key=f"status:{enrollment.id}:{new.name.lower()}",
          language=enrollment.customer.language)


@mail_kind(STATUS_KINDS[Status.ACCEPTED])
def enrollment_accepted(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """Accepted, with the service start date when the utility gave one."""
    start = context.get("service_start_date")
    return Message(_("Your enrollment %(number)s is accepted", number=context["number"]), "mail/enrollment_accepted",
                   {**context, "plan": _plan(context),
                    "service_start_date": long_date(dt.date.fromisoformat(start)) if start else None})


@mail_kind(STATUS_KINDS[Status.REJECTED])
def enrollment_rejected(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """Rejected, with the reason given and what to do."""
    return Message(_("Your enrollment %(number)s could not be completed", number=context["number"]),
                   "mail/enrollment_rejected", {**context, "plan": _plan(context)})


def _plan(context: dict[str, Any]) -> SimpleNamespace:
    """The plan a status email names, a catalog text for `plan | local("name")`."""
    return SimpleNamespace(name=context["plan_name"], name_es=context.get("plan_name_es"))
