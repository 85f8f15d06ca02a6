"""The admin area's emails: a staff member's link to choose a new password."""
from __future__ import annotations

import datetime as dt
from typing import Any

from wizard.mail.kinds import Message, mail_kind


@mail_kind("staff_password_reset")
def staff_password_reset(context: dict[str, Any], sent_at: dt.datetime) -> Message:
    """The sealed link (`link`) for the staff account of `email`."""
    return Message("Reset your staff password", "mail/staff_password_reset", context)
