"""Queue a message with what caused it; deliver the queue with retries (the shared outbox).

`queue` adds the row to the caller's transaction, so a message exists exactly when what caused
it was committed. `drain` claims due rows (wizard/core/outbox.py: leases, fencing tokens,
SKIP LOCKED on PostgreSQL), builds each message from its kind's templates at the moment of
sending, hands it to the transport with no transaction open, then records the outcome only
while the claim is still its own. A message has a stable Message-ID, so a resend after a crash
between sending and recording is recognisable as the same message. Failures are retried with
backoff until MAIL_MAX_ATTEMPTS, then given up (and logged).

A message is written in its recipient's language, fixed when it is queued and kept in its
context (`language`): the builder, the subject and both templates run inside
`i18n.speaking(language)`, whichever request (or none) the drain happens to run in.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
import threading
from email.message import EmailMessage
from email.utils import formataddr, format_datetime
from typing import Any, Callable, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wizard.core import outbox
from wizard.core.i18n import DEFAULT, LANGUAGES, speaking
from wizard.core.models import utcnow

from .kinds import BUILDERS, Message
from .models import MailAttachment, MailMessage
from .transports import Transport

log = logging.getLogger(__name__)

#: The context key that keeps a message's language ("en", "es").
LANGUAGE = "language"

#: Renders a built message: (template, context) -> (text, html); the context holds LANGUAGE.
Renderer = Callable[[str, dict[str, Any]], tuple[str, str]]


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A file to send with a message."""

    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass(frozen=True)
class MailSettings:
    """How the mail worker delivers (from the app's MAIL_* settings)."""

    mail_from: str
    from_name: str
    batch_size: int = 50
    lease: dt.timedelta = dt.timedelta(minutes=2)
    max_attempts: int = 8
    backoff_base: float = 30.0
    backoff_cap: float = 3600.0


@dataclasses.dataclass
class MailReport:
    """What one pass over the mail outbox did."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    lost: int = 0


def queue(session: Session, kind: str, to: str, context: dict[str, Any],
          attachments: Sequence[Attachment] = (), key: Optional[str] = None,
          language: Optional[str] = None) -> Optional[MailMessage]:
    """Add a message to the caller's transaction (the caller commits); None if `key` was queued before.

    `language` is the recipient's ("en", "es"; anything else or None: English), kept with the message.
    """
    if kind not in BUILDERS:
        raise ValueError(f"unknown mail kind {kind!r}")
    context = {**context, LANGUAGE: language if language in LANGUAGES else DEFAULT}
    if key is not None:
        if session.scalar(select(MailMessage.id).where(MailMessage.key == key)) is not None:
            return None
        try:  # a concurrent queue of the same key: the unique index decides, this one steps back
            with session.begin_nested():
                message = _add(session, kind, to, context, attachments, key)
        except IntegrityError:
            return None
        return message
    return _add(session, kind, to, context, attachments, key)


def _add(session: Session, kind: str, to: str, context: dict[str, Any], attachments: Sequence[Attachment],
         key: Optional[str]) -> MailMessage:
    message = MailMessage(kind=kind, to=to, context=dict(context), key=key, attachments=[
        MailAttachment(filename=a.filename, content_type=a.content_type, data=a.data) for a in attachments])
    session.add(message)
    session.flush()
    return message


def drain(session_factory: outbox.SessionFactory, transport: Transport, render: Renderer, settings: MailSettings,
          *, stop: Optional[threading.Event] = None) -> MailReport:
    """Deliver what is due now, one claimed batch after another, until none is left (or `stop`)."""
    report = MailReport()
    started = utcnow()  # a message retried in this pass is due later than this: one attempt per pass
    while not (stop and stop.is_set()):
        claim = outbox.claim_batch(session_factory, MailMessage, settings.batch_size, settings.lease, due_by=started)
        if not claim.ids:
            break
        for n, item_id in enumerate(claim.ids):
            if stop and stop.is_set():
                outbox.release(session_factory, MailMessage, claim.token, claim.ids[n:])
                break
            result = _deliver(session_factory, item_id, claim.token, transport, render, settings)
            setattr(report, result, getattr(report, result) + 1)
    return report


def _deliver(session_factory: outbox.SessionFactory, item_id: int, token: str, transport: Transport,
             render: Renderer, settings: MailSettings) -> str:
    """Build and send one claimed message; record "sent", "failed", "gave_up" or "lost"."""
    with session_factory() as session:
        if not outbox.renew(session, MailMessage, item_id, token, settings.lease):
            return "lost"
        row = session.get(MailMessage, item_id)
        kind = row.kind
        session.commit()
        sent_at = utcnow()
        try:
            message = build(row, sent_at, render, settings)
        except Exception as exc:  # a template or builder bug: no retry can fix it  # noqa: BLE001
            log.exception("mail %s (%s) could not be built", item_id, kind)
            outbox.fence(session, MailMessage, item_id, token, gave_up_at=sent_at,
                         last_error=f"could not be built: {type(exc).__name__}: {exc}"[:500])
            session.commit()
            return "gave_up"
        subject, message_id = str(message["Subject"]), str(message["Message-ID"])
    try:
        transport.send(message)
    except (OSError, smtplib.SMTPException) as exc:
        return _retry_later(session_factory, item_id, token, str(exc) or type(exc).__name__, settings)
    with session_factory() as session:
        if not outbox.fence(session, MailMessage, item_id, token, sent_at=sent_at, subject=subject[:200],
                            message_id=message_id[:200], attempts=MailMessage.attempts + 1, last_error=None):
            log.warning("mail %s: this worker's claim ran out while sending; another worker took it over", item_id)
            return "lost"
        session.commit()
    log.info("mail %s (%s) sent", item_id, kind)
    return "sent"


def _retry_later(session_factory: outbox.SessionFactory, item_id: int, token: str, error: str,
                 settings: MailSettings) -> str:
    now = utcnow()
    with session_factory() as session:
        row = session.get(MailMessage, item_id)
        kind, attempts = row.kind, row.attempts + 1
        if attempts >= settings.max_attempts:
            values: dict[str, Any] = {"gave_up_at": now}
            outcome = "gave_up"
        else:
            delay = outbox.backoff(attempts, settings.backoff_base, settings.backoff_cap)
            values = {"available_at": now + dt.timedelta(seconds=delay)}
            outcome = "failed"
        if not outbox.fence(session, MailMessage, item_id, token, attempts=attempts, last_error=error[:500], **values):
            return "lost"
        session.commit()
    if outcome == "gave_up":
        log.error("mail %s (%s) given up after %d attempts: %s", item_id, kind, attempts, error)
    else:
        log.warning("mail %s (%s) not sent (attempt %d), will retry: %s", item_id, kind, attempts, error)
    return outcome


def build(row: MailMessage, sent_at: dt.datetime, render: Renderer, settings: MailSettings) -> EmailMessage:
    """The finished message of `row` as sent at `sent_at`, in its language: plain text and HTML, attachments."""
    language = row.context.get(LANGUAGE) or DEFAULT  # queued before messages kept one: English
    with speaking(language):
        built: Message = BUILDERS[row.kind](dict(row.context), sent_at)
        subject = str(built.subject)
        text, html = render(built.template, {**built.context, LANGUAGE: language})
    message = EmailMessage()
    message["From"] = formataddr((settings.from_name, settings.mail_from))
    message["To"] = row.to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at.replace(tzinfo=dt.timezone.utc))
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    # The same for every attempt: a resend after a crash between sending and recording is the same message.
    message["Message-ID"] = f"<mail.{row.id}.{int(row.created_at.timestamp())}@{domain}>"
    message["X-Mail-Id"] = f"{row.id:08d}-{row.kind}"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in row.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message
