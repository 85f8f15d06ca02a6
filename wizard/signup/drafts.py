"""The drafts store: unfinished wizards kept server-side for DRAFT_TTL, then purged.

The browser holds only the draft's random id, inside the signed session cookie.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, Optional

from flask import current_app, session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wizard.core import i18n
from wizard.core.extensions import db
from wizard.core.models import utcnow
from wizard.embed import frames

from . import attribution, funnel
from .models import Draft

SESSION_KEY = "draft"

#: The step a draft was left on with "Finish later": its emailed link resumes there.
LEFT_AT = "_left_at"

#: What the Back button keeps of a page's typed input. A value longer than MAX_UNSAVED_CHARS is
#: not kept at all (no answer of any step is that long; a cut value would silently be another
#: one), and the unsaved input of the whole draft stays under MAX_UNSAVED_BYTES (as stored JSON),
#: dropping the oldest pages' input first: a visitor cannot park megabytes in the drafts table.
MAX_UNSAVED_CHARS = 2000
MAX_UNSAVED_BYTES = 64 * 1024


def current() -> Optional[Draft]:
    """The browser's draft if it exists, has not expired and belongs to this wizard.

    An affiliate's embedded wizard sees only drafts begun on it, and our own site none of those.
    """
    draft_id = session.get(SESSION_KEY)
    if not isinstance(draft_id, str):
        return None
    draft = db.session.get(Draft, draft_id)
    if draft is None or draft.expires_at <= utcnow():
        return None
    embed = frames.affiliate()
    if embed is not None and draft.answers.get("affiliate") != embed.code:
        return None
    return draft


#: Where the embedded wizard's entry page keeps its link's attribution until the draft begins.
ENTRY_KEY = "entry"


def entry_answers() -> dict[str, Any]:
    """What a new draft begins with on this wizard: the language its pages speak (the first step's
    answers are saved over the new draft, so they must carry it), its affiliate and the link's
    attribution."""
    answers: dict[str, Any] = {"language": i18n.language()}
    embed = frames.affiliate()
    if embed is None:
        return answers
    entry = session.get(ENTRY_KEY) or {}
    answers["affiliate"] = embed.code
    if isinstance(entry, dict) and entry.get("affiliate") == embed.code and entry.get("attribution"):
        answers["attribution"] = entry["attribution"]
    return answers


def start(answers: Optional[dict[str, Any]] = None) -> Draft:
    """A new draft for this browser (replacing any earlier one in its session)."""
    now = utcnow()
    # The draft remembers the language its pages speak: its emails, and the customer's language at
    # the billing system, follow it (the switch and the about-you step change it).
    draft = Draft(id=secrets.token_urlsafe(32),
                  answers={**entry_answers(), **(answers or {})}, created_at=now,
                  updated_at=now, expires_at=now + current_app.config["DRAFT_TTL"])
    db.session.add(draft)
    funnel.record(db.session, draft.id, funnel.STARTED, draft.answers.get("affiliate"),
                  attribution.sub_id(draft.answers))
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


def keep_unsaved(unsaved: dict[str, dict[str, str]], slug: str, typed: dict[str, str]) -> dict[str, dict[str, str]]:
    """The draft's unsaved input with `typed` as the newest page's, within the caps above."""
    kept = {slug_: values for slug_, values in unsaved.items() if slug_ != slug}
    kept[slug] = {name: value for name, value in typed.items() if len(value) <= MAX_UNSAVED_CHARS}
    while kept and len(json.dumps(kept)) > MAX_UNSAVED_BYTES:
        del kept[next(iter(kept))]  # the oldest page first; this page last
    return kept


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
