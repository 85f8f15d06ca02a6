"""Reading the mail the app sends: drain the outbox through the file transport and parse it."""
from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Flask

from wizard.mail.runner import drain_once


def mailbox(app: Flask) -> list[EmailMessage]:
    """Every message the file transport has written so far, oldest first."""
    folder = Path(app.config["MAIL_DIR"])
    return [BytesParser(policy=policy.default).parsebytes(path.read_bytes())  # type: ignore[misc]
            for path in sorted(folder.glob("*.eml"))] if folder.is_dir() else []


def deliver_mail(app: Flask) -> list[EmailMessage]:
    """Send what is due now (file transport) and answer the messages this call delivered."""
    assert app.config["MAIL_TRANSPORT"] == "file", "tests read mail from MAIL_DIR"
    before = {m["Message-ID"] for m in mailbox(app)}
    drain_once(app)
    return [m for m in mailbox(app) if m["Message-ID"] not in before]


def text_of(message: EmailMessage) -> str:
    """The plain-text body."""
    body = message.get_body(("plain",))
    assert body is not None, "the message has no plain-text part"
    return body.get_content()


def html_of(message: EmailMessage) -> str:
    """The HTML body."""
    body = message.get_body(("html",))
    assert body is not None, "the message has no HTML part"
    return body.get_content()
