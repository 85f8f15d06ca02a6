"""What the extract says about enrolling a premise, as plain findings (no wording, no Flask).

ERCOT's extract tells, per ESI ID, whether a retail enrollment can work there at all and which
kind: an unmetered or inactive premise takes none, a de-energized one needs a move-in (nobody
lives there on power to switch), a switch hold blocks switching (a move-in still works), and a
premise type other than residential is a business premise. Every channel reads the same rules;
the wizard words them for customers in `wizard/signup/address_lookup.py`.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Literal, Optional

from .models import Premise

Refusal = Literal["unmetered", "inactive"]
MoveInReason = Literal["de_energized", "switch_hold"]

_LETTERS = re.compile(r"[^A-Z]")


@dataclasses.dataclass(frozen=True)
class Findings:
    """What stands in the way of an enrollment at one premise, if anything."""

    #: Why no enrollment can be made there at all, or None.
    refusal: Optional[Refusal] = None
    #: Why only a move-in can be made there (no switch), or None.
    move_in_only: Optional[MoveInReason] = None
    #: The premise is a business premise (its type is not residential).
    business: bool = False


def is_residential(premise_type: str) -> bool:
    """"Residential" (any spelling, "RES" too) is a home; "Small Non-Residential" and the rest are not."""
    return _LETTERS.sub("", premise_type.upper()).startswith("RES")


def findings(premise: Premise) -> Findings:
    """The extract's word on enrolling at `premise`."""
    refusal: Optional[Refusal] = None
    if not premise.metered:
        refusal = "unmetered"
    elif premise.status == "Inactive":
        refusal = "inactive"
    move_in: Optional[MoveInReason] = None
    if premise.status == "De-Energized":
        move_in = "de_energized"
    elif premise.switch_hold:
        move_in = "switch_hold"
    return Findings(refusal=refusal, move_in_only=move_in, business=not is_residential(premise.premise_type))
