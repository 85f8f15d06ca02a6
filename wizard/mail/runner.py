"""Runs the mail outbox with this app's settings: a pass, a worker loop, or a dev thread."""
from __future__ import annotations

import logging
import threading
from typing import Any, Optional

from flask import Flask, render_template

from wizard.core.extensions import db
from wizard.core.i18n import speaking

from .outbox import LANGUAGE, MailReport, MailSettings, drain
from .transports import FileTransport, SmtpTransport, Transport

log = logging.getLogger(__name__)


def settings(app: Flask) -> MailSettings:
    """The mail worker's settings from the app's MAIL_* configuration."""
    c = app.config
    return MailSettings(mail_from=c["MAIL_FROM"], from_name=c["SUPPLIER_NAME"], max_attempts=c["MAIL_MAX_ATTEMPTS"],
                        backoff_base=c["MAIL_BACKOFF_BASE"], backoff_cap=c["MAIL_BACKOFF_CAP"])


def transport(app: Flask) -> Transport:
    """Files in MAIL_DIR (MAIL_TRANSPORT=file, the embedded default), or SMTP."""
    c = app.config
    if c["MAIL_TRANSPORT"] == "file":
        return FileTransport(c["MAIL_DIR"])
    return SmtpTransport(c["SMTP_HOST"], c["SMTP_PORT"], c.get("SMTP_USERNAME") or None,
                         c.get("SMTP_PASSWORD") or None, starttls=c["SMTP_STARTTLS"], timeout=c["SMTP_TIMEOUT"],
                         cafile=c.get("SMTP_CA_FILE") or None)


def renderer(app: Flask):
    """Renders a message's `.txt` and `.html` templates inside the app context, in the message's
    language (Flask-Babel keeps the forced language on the app context: it is forced in this one)."""

    def render(template: str, context: dict[str, Any]) -> tuple[str, str]:
        with app.app_context(), speaking(context.get(LANGUAGE)):
            return (render_template(f"{template}.txt", **context),
                    render_template(f"{template}.html", **context))

    return render


def drain_once(app: Flask, stop: Optional[threading.Event] = None) -> MailReport:
    """Send every message due now (builders and templates run inside the app context)."""
    with app.app_context():
        return drain(db.sessionmaker(app), transport(app), renderer(app), settings(app), stop=stop)


def run(app: Flask, stop: threading.Event, idle_seconds: float) -> MailReport:
    """Send as messages come, until `stop`; answer the totals."""
    total = MailReport()
    while not stop.is_set():
        try:
            report = drain_once(app, stop)
        except Exception:  # a database hiccup must not kill the worker; messages stay queued
            log.exception("mail worker: pass failed")
            report = MailReport()
        for name in ("sent", "failed", "gave_up", "lost"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if not (report.sent or report.failed):
            stop.wait(idle_seconds)
    return total


def start_background(app: Flask) -> threading.Thread:
    """Embedded default: send mail from a daemon thread of the serving process."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(app, stop, app.config["BILLING_DRAIN_INTERVAL"]),
                              name="mail-worker", daemon=True)
    thread.start()
    app.extensions["mail_stop"] = stop
    app.extensions["mail_thread"] = thread
    return thread
