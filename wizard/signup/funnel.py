"""Funnel events: which steps each draft reached, kept apart from drafts so purging them is safe."""
from __future__ import annotations

import hashlib
from typing import Optional

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import FunnelEvent

STARTED, COMPLETED = "started", "completed"


def draft_ref(draft_id: str) -> str:
    """A one-way reference to a draft: counts it without being able to resume it."""
    return hashlib.sha256(draft_id.encode()).hexdigest()[:32]


def record(session: Session, draft_id: str, step: str, affiliate_code: Optional[str],
           sub_id: Optional[str] = None) -> None:
    """Note (once) that a draft reached `step`, with its affiliate and the affiliate's `sub_id`;
    a repeat visit changes nothing. Commit is the caller's."""
    values = {"draft_ref": draft_ref(draft_id), "step": step, "affiliate_code": affiliate_code, "sub_id": sub_id}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(FunnelEvent).values(**values).on_conflict_do_nothing())
