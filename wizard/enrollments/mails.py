"""The email that gives a customer enrolled by an agent, a partner or an import their My Account
login: its username and a link to choose the password (nobody else ever knows it), in the
customer's language."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from wizard.account.models import Account
from wizard.mail import tokens
from wizard.mail.kinds import Message, mail_kind
from wizard.mail.links import link, seal
from wizard.mail.outbox import queue

WELCOME = "account_welcome"
#: The purpose of the reset link's token: the My Account reset page takes it.
PURPOSE = "password_reset"


@mail_kind(WELCOME)
def account_welcome(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """`context`: first_name, username, link (sealed; it carries a token), days (how long it works)."""
    return Message(_("Choose your My Account password"), "mail/account_welcome", context)


def queue_welcome(session: Session, account: Account) -> None:
    """Queue the login's welcome in the caller's transaction (`account` flushed: its id is needed)."""
    lifetime: dt.timedelta = current_app.config["ACCOUNT_WELCOME_LIFETIME"]
    token = tokens.issue(session, PURPOSE, subject=str(account.id), lifetime=lifetime)
    queue(session, WELCOME, account.customer.email, {
        "first_name": account.customer.first_name, "username": account.username,
        "link": seal(link("account.reset_password", token=token)), "days": lifetime.days,
        "ask_again": link("account.forgot_password")}, key=f"welcome:{account.id}",
        language=account.customer.language)
