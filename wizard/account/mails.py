"""My Account's emails: links to choose a new password, and the usernames of an address.

The context is filled in when the message is queued (links absolute, reset links sealed: see
`wizard.mail.links`), with the language of the page where they were asked for; the builders
only name the subject and templates.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from wizard.mail.kinds import Message, mail_kind


@mail_kind("password_reset")
def password_reset(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """One link per My Account login using the address: `logins` = [{"username", "link"}]."""
    return Message(_("Reset your My Account password"), "mail/password_reset", context)


@mail_kind("forgot_username")
def forgot_username(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """The usernames of the logins using the address (no link needed): `usernames`."""
    many = len(context.get("usernames", ())) > 1
    return Message(_("Your My Account usernames") if many else _("Your My Account username"), "mail/forgot_username",
                   context)
