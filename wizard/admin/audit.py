"""The audit log: who changed what and when, with the values before and after."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy.orm import Session

from .models import AuditEntry


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a value (dates as ISO text, decimals as text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of `obj`, JSON-friendly, for an entry's before or after."""
    return {name: plain(getattr(obj, name)) for name in fields}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(session: Session, *, actor: str, action: str, entity_type: str, entity_id: str,
           before: Optional[Mapping[str, Any]] = None, after: Optional[Mapping[str, Any]] = None,
           actor_id: Optional[int] = None) -> AuditEntry:
    """Add an entry to the caller's transaction: it commits (or rolls back) with the change."""
    entry = AuditEntry(staff_id=actor_id, actor=actor, action=action, entity_type=entity_type,
                       entity_id=entity_id, before=plain(before) if before is not None else None,
                       after=plain(after) if after is not None else None)
    session.add(entry)
    return entry
