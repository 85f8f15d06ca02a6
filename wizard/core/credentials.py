"""Checking a password at sign-in, shared by the admin's staff and My Account's customers.

Whatever is wrong (no such login, wrong password, a locked or inactive login) the caller gets
only False, after the same argon2 verification, so neither the answer nor its time tells an
outsider whether a name exists. Failures count towards a lock that doubles with each further
failure, up to a longest lock; a success clears them and upgrades an outdated hash.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Optional, Protocol

from flask import current_app
from sqlalchemy.orm import Session

from .models import utcnow
from .passwords import hash_password, needs_rehash, verify_password


class Login(Protocol):
    """A stored login: an argon2 hash and its failed-attempt counters."""

    password_hash: str
    failed_logins: int
    locked_until: Optional[dt.datetime]


@dataclasses.dataclass(frozen=True)
class LockPolicy:
    """Lock after `after` failures for `base`, doubling with each further failure up to `longest`."""

    after: int
    base: dt.timedelta
    longest: dt.timedelta

    @classmethod
    def from_settings(cls, prefix: str) -> "LockPolicy":
        """The policy in `<prefix>_LOCK_AFTER`, `_LOCK_BASE` and `_LOCK_MAX`."""
        cfg = current_app.config
        return cls(cfg[f"{prefix}_LOCK_AFTER"], cfg[f"{prefix}_LOCK_BASE"], cfg[f"{prefix}_LOCK_MAX"])

    def lock_for(self, failures: int) -> Optional[dt.timedelta]:
        """How long `failures` consecutive failures lock a login (None: not yet)."""
        over = failures - self.after
        return None if over < 0 else min(self.base * 2 ** over, self.longest)


def is_locked(login: Login, now: dt.datetime) -> bool:
    """Whether the login is locked at `now`."""
    return login.locked_until is not None and login.locked_until > now


def check_password(session: Session, login: Optional[Login], password: str, policy: LockPolicy,
                   *, usable: bool = True) -> bool:
    """True when `password` opens `login` (which exists, is `usable` and is not locked).

    A failure against an open login is counted and committed; a success clears the count and
    replaces a hash made with other argon2 parameters, for the caller to commit.
    """
    ok = verify_password(login.password_hash if login is not None else None, password)
    now = utcnow()
    if login is None or not usable or is_locked(login, now):
        return False
    if not ok:
        login.failed_logins += 1
        lock = policy.lock_for(login.failed_logins)
        if lock is not None:
            login.locked_until = now + lock
        session.commit()
        return False
    login.failed_logins = 0
    login.locked_until = None
    if needs_rehash(login.password_hash):
        login.password_hash = hash_password(password)
    return True
