"""The "Finish later" email: a single-use link that resumes a draft on any device."""
from __future__ import annotations

import datetime as dt
from typing import Any

from wizard.core.dates import market_time
from wizard.mail.kinds import Message, mail_kind

RESUME_DRAFT = "resume_draft"


@mail_kind(RESUME_DRAFT)
def resume_draft(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """`context`: link (absolute, carries the token), expires_at (ISO, naive UTC), hours (the drafts'
    time to live), supplier, affiliate_name (or None). Runs in the mail worker, with no app context."""
    until = market_time(dt.datetime.fromisoformat(context["expires_at"]))
    return Message("Your link to finish signing up", "mail/resume_draft",
                   {**context, "until": until})
