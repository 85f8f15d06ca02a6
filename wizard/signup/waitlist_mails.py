"""The wait list's email: we serve your ZIP now (sent once per wait-list entry)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from wizard.mail.kinds import Message, mail_kind

WAITLIST_SERVED = "waitlist_served"


@mail_kind(WAITLIST_SERVED)
def waitlist_served(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """`context`: zip, supplier, start_link (the wizard), unsubscribe_link (both absolute). Runs in the
    mail worker, with no app context."""
    return Message(f"{context['supplier']} now serves ZIP code {context['zip']}", "mail/waitlist_served", context)
