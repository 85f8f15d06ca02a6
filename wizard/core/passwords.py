"""argon2id password hashing with the app's configured cost."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

#: One real hash per set of argon2 parameters, verified against when the name is unknown, so a
#: failed sign-in does the same work (one verification, no hashing) whether or not it exists.
_DUMMY: dict[tuple[int, int, int], str] = {}
#: The stored hash of a login whose owner has not chosen a password yet (made by an agent, the
#: API or an import; its owner chooses one from the emailed link). No password matches it.
UNSET = "!unset"


def hasher() -> PasswordHasher:
    """The app's argon2id hasher (cost from ARGON2_* settings)."""
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                          parallelism=cfg["ARGON2_PARALLELISM"], type=Type.ID)


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return hasher().hash(password)


def dummy_hash(ph: PasswordHasher) -> str:
    """The stand-in hash for `ph`'s parameters, made on first use only (of a random secret)."""
    key = (ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in _DUMMY:  # two threads may both make one: harmless, the last one is kept
        _DUMMY[key] = ph.hash(secrets.token_urlsafe(32))
    return _DUMMY[key]


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; the same work, and False, when there is none."""
    ph = hasher()
    try:
        if password_hash is None or password_hash == UNSET:  # the same work as a wrong password
            ph.verify(dummy_hash(ph), password)
            return False
        return ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current ones."""
    return hasher().check_needs_rehash(password_hash)
