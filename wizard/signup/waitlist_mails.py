"""The wait list's email: we serve your ZIP now (sent once per wait-list entry)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from wizard.mail.kinds import Message, mail_kind

WAITLIST_SERVED = "waitlist_served"


@mail_kind(WAITLIST_SERVED)
def waitlist_served(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """`context`: zip, supplier, start_link (the wizard), unsubscribe_link (both absolute). Runs in the
    mail worker, in the language of the page where the address was left."""
    return Message(_("%(supplier)s now serves ZIP code %(zip)s", supplier=context["supplier"], zip=context["zip"]),
                   "mail/waitlist_served", context)
