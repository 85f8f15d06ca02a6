"""The "Finish later" email: a single-use link that resumes a draft on any device."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from wizard.mail.formats import market_moment
from wizard.mail.kinds import Message, mail_kind

RESUME_DRAFT = "resume_draft"


@mail_kind(RESUME_DRAFT)
def resume_draft(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """`context`: link (absolute, carries the token), expires_at (ISO, naive UTC), hours (the drafts'
    time to live), supplier, affiliate_name (or None); in the draft's language. Runs in the mail worker."""
    until = market_moment(dt.datetime.fromisoformat(context["expires_at"]))
    return Message(_("Your link to finish signing up"), "mail/resume_draft",
                   {**context, "until": until})
