"""argon2id password hashing with the app's configured cost."""
from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# A real hash to verify against when the username is unknown, so that a failed login takes
# as long whether or not the account exists.
_DUMMY = {}


def hasher() -> PasswordHasher:
    """The app's argon2id hasher (cost from ARGON2_* settings)."""
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                          parallelism=cfg["ARGON2_PARALLELISM"], type=Type.ID)


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; spends the same time when there is none."""
    ph = hasher()
    if password_hash is None:
        key = (ph.time_cost, ph.memory_cost)
        password_hash = _DUMMY.setdefault(key, ph.hash("not-a-real-password"))
        password = password + "x"
    try:
        return ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    return hasher().check_needs_rehash(password_hash)
