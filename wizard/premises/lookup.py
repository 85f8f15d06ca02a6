"""Finding premises: by what a customer types of the street address in a ZIP, or by ESI ID.

A typed prefix becomes a range of the (zip, key) index: `key >= prefix AND key < prefix + "~"`
(keys hold only A-Z, 0-9 and spaces, all below "~", and compare byte-wise on both databases), so a
lookup reads at most `limit` index entries in order, whatever the size of the ZIP or the state.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from wizard.catalog.models import Utility

from .extract import typed_keys
from .models import Premise

#: Fewer characters than this match too much to be useful to a customer.
MIN_QUERY = 3
LIMIT = 8


@dataclasses.dataclass(frozen=True)
class Found:
    """A premise offered to a customer, with the utility its TDSP's DUNS names (None if not ours)."""

    premise: Premise
    utility_code: Optional[str]

    @property
    def label(self) -> str:
        p = self.premise
        unit = f", {p.address_overflow}" if p.address_overflow else ""
        return f"{p.address}{unit}, {p.city} {p.zip}"


def utilities_by_duns(session: Session) -> dict[str, str]:
    """DUNS (9 or 13 digits) -> utility code, for the utilities of the catalog that have one."""
    out: dict[str, str] = {}
    for code, duns in session.execute(select(Utility.code, Utility.duns).where(Utility.duns.is_not(None))):
        out[duns] = code
        out[duns[:9]] = code  # the extract may give the 13-digit DUNS+4 or the 9-digit DUNS
    return out


def utility_for(session: Session, premise: Premise) -> Optional[str]:
    codes = utilities_by_duns(session)
    return codes.get(premise.duns) or codes.get(premise.duns[:9])


def search(session: Session, zip_code: str, typed: str, limit: int = LIMIT) -> list[Found]:
    """Premises in `zip_code` whose address starts with what was typed (house number first, or the
    street name first), at most `limit`, in address order.

    A last word that begins a word the keys abbreviate ("Stre") is also tried as the abbreviation
    (extract.typed_keys): one index range per spelling, at most `limit` rows each, merged."""
    prefixes = typed_keys(typed)
    if len(prefixes[0]) < MIN_QUERY:
        return []
    column = Premise.address_key if prefixes[0][:1].isdigit() else Premise.street_key
    found: dict[str, Premise] = {}
    for prefix in prefixes:
        for premise in session.scalars(select(Premise).where(Premise.zip == zip_code, column >= prefix,
                                                             column < prefix + "~")
                                       .order_by(column).limit(limit)):
            found[premise.esi_id] = premise
    rows = sorted(found.values(), key=lambda p: getattr(p, column.key))[:limit]
    codes = utilities_by_duns(session) if rows else {}
    return [Found(p, codes.get(p.duns) or codes.get(p.duns[:9])) for p in rows]


def by_esi_id(session: Session, esi_id: str) -> Optional[Premise]:
    return session.get(Premise, esi_id)
