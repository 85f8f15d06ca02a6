"""The drafts store: unfinished wizards kept server-side for DRAFT_TTL, then purged.

The browser holds only the draft's random id, inside the signed session cookie.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Optional

from flask import current_app, session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wizard.core.extensions import db
from wizard.core.models import utcnow

from . import funnel
from .models import Draft

SESSION_KEY = "draft"


def current() -> Optional[Draft]:
    """The browser's draft if it exists and has not expired."""
    draft_id = session.get(SESSION_KEY)
    if not isinstance(draft_id, str):
        return None
    draft = db.session.get(Draft, draft_id)
    if draft is None or draft.expires_at <= utcnow():
        return None
    return draft


def start(answers: Optional[dict[str, Any]] = None) -> Draft:
    """A new draft for this browser (replacing any earlier one in its session)."""
    now = utcnow()
    draft = Draft(id=secrets.token_urlsafe(32), answers=dict(answers or {}), created_at=now,
                  updated_at=now, expires_at=now + current_app.config["DRAFT_TTL"])
    db.session.add(draft)
    funnel.record(db.session, draft.id, funnel.STARTED, draft.answers.get("affiliate"))
    db.session.commit()
    session[SESSION_KEY] = draft.id
    session.permanent = True
    return draft


def save(draft: Draft, answers: dict[str, Any]) -> None:
    """Store new answers and extend the draft's life by the TTL."""
    now = utcnow()
    draft.answers = dict(answers)  # a new object, so the JSON column is seen as changed
    draft.updated_at = now
    draft.expires_at = now + current_app.config["DRAFT_TTL"]
    db.session.commit()


def purge(db_session: Session, now: Optional[dt.datetime] = None, batch: int = 1000) -> int:
    """Delete expired drafts in batches (short transactions); answer how many."""
    now = now or utcnow()
    total = 0
    while True:
        ids = db_session.scalars(select(Draft.id).where(Draft.expires_at <= now).limit(batch)).all()
        if not ids:
            return total
        db_session.execute(delete(Draft).where(Draft.id.in_(ids)))
        db_session.commit()
        total += len(ids)
