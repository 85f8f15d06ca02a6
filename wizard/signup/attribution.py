"""Attribution from an affiliate's wizard link: its own reference for the sale (`sub_id`) and the
campaign tags (`utm_*`). Pure.

The values come from a URL anybody can type, and they travel to the billing system and into
spreadsheets, so only short printable ASCII is kept; a value that breaks the rules is dropped
whole (a cut or cleaned value would be a different reference). The draft keeps the result under
`answers["attribution"]`, only with the keys that were present.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
ATTRIBUTION_KEYS = ("sub_id", *UTM_KEYS)
#: As long as the enrollment's `sub_id` column; no campaign tag needs more.
MAX_LENGTH = 100

_PRINTABLE = re.compile(r"[\x20-\x7e]+")  # printable ASCII, space included: no control characters
_SUB_ID = re.compile(r"[A-Za-z0-9._~:-]+")  # URL-safe without encoding, like the click ids affiliates use


def _clean(key: str, value: Any) -> Optional[str]:
    """The value stripped, or None when it is empty, too long or has a character not allowed."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_LENGTH:
        return None
    pattern = _SUB_ID if key == "sub_id" else _PRINTABLE
    return value if pattern.fullmatch(value) else None


def from_query(args: Mapping[str, Any]) -> dict[str, str]:
    """The attribution keys of a link's query arguments (or of a stored attribution), each checked.

    Other keys are ignored; with repeated arguments (a Werkzeug MultiDict) the first one counts.
    """
    found = {key: _clean(key, args.get(key)) for key in ATTRIBUTION_KEYS}
    return {key: value for key, value in found.items() if value is not None}


def of_answers(answers: Mapping[str, Any]) -> dict[str, str]:
    """A draft's attribution, checked again (the draft is stored JSON; trust nothing shaped wrongly)."""
    stored = answers.get("attribution")
    return from_query(stored) if isinstance(stored, Mapping) else {}


def sub_id(answers: Mapping[str, Any]) -> Optional[str]:
    """The draft's sub_id, if its link had one."""
    return of_answers(answers).get("sub_id")


def utm(answers: Mapping[str, Any]) -> Optional[dict[str, str]]:
    """The draft's campaign tags (`utm_*` keys), or None when its link had none."""
    tags = {key: value for key, value in of_answers(answers).items() if key in UTM_KEYS}
    return tags or None


#: How people name each campaign tag (the billing file's <Campaign> children say the same).
UTM_LABELS = {"utm_source": "Campaign source", "utm_medium": "Campaign medium", "utm_campaign": "Campaign name",
              "utm_term": "Campaign term", "utm_content": "Campaign content"}


def campaign_rows(tags: Optional[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Stored campaign tags as (label, value) rows in the usual order; unknown keys are left out."""
    return [(label, str(tags[key])) for key, label in UTM_LABELS.items() if tags and tags.get(key)]
