"""Server-side sign-in sessions, shared by the admin's staff and My Account's customers.

The cookie keeps only a random token (through Flask-Login's `get_id`); the database keeps its
SHA-256, when the session began and when it was last used. Deleting the row signs the browser
out for good, even if someone kept a copy of the cookie; a session also ends after an idle time
and an absolute lifetime, each a setting of the area that uses it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, Generic, Optional, TypeVar

from flask import current_app
from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import utcnow

#: Refresh `last_seen_at` at most this often: one write a minute, not one a request.
TOUCH_EVERY = dt.timedelta(minutes=1)


class SessionColumns:
    """The columns of a sessions table; the table adds its owner's foreign key."""

    #: SHA-256 of the token in the cookie, so a database read does not yield live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Row = TypeVar("Row", bound=SessionColumns)


def token_hash(token: str) -> str:
    """What the table stores for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSessions(Generic[Row]):
    """Open, find, touch and end the sessions of one table (`model`, owned through `owner`)."""

    def __init__(self, model: type[Row], owner: str, idle_setting: str, max_age_setting: str):
        self.model, self.owner = model, owner
        self.idle_setting, self.max_age_setting = idle_setting, max_age_setting

    def _limits(self) -> tuple[dt.timedelta, dt.timedelta]:
        cfg = current_app.config
        return cfg[self.idle_setting], cfg[self.max_age_setting]

    def open(self, session: Session, owner_id: int) -> str:
        """A new session for `owner_id` (committed); answer the token the cookie keeps."""
        idle, max_age = self._limits()
        now = utcnow()
        # Sessions nobody signed out of are forgotten here: the table holds only live ones.
        session.execute(delete(self.model).where(
            (self.model.created_at < now - max_age) | (self.model.last_seen_at < now - idle)))
        token = secrets.token_urlsafe(32)
        session.add(self.model(token_hash=token_hash(token), **{self.owner: owner_id}))
        session.commit()
        return token

    def live(self, session: Session, token: str) -> Optional[Row]:
        """The session of `token` if it is within both time limits; an expired one is deleted."""
        idle, max_age = self._limits()
        row = session.get(self.model, token_hash(token))
        if row is None:
            return None
        now = utcnow()
        if now - row.last_seen_at > idle or now - row.created_at > max_age:
            session.delete(row)
            session.commit()
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            row.last_seen_at = now
            session.commit()
        return row

    def end(self, session: Session, token: Optional[str]) -> None:
        """Sign out: the row is deleted (committed), so the cookie is worthless even if kept."""
        if token:
            session.execute(delete(self.model).where(self.model.token_hash == token_hash(token)))
            session.commit()

    def end_all(self, session: Session, owner_id: int) -> None:
        """Sign an owner out everywhere; the caller commits with the change that needs it."""
        owner: Any = getattr(self.model, self.owner)
        session.execute(delete(self.model).where(owner == owner_id))
