"""Test data for the address lookup: the demo premises of config/demo_premises.csv.

`load_demo_premises` reads the demo extract with the importer's own column map and row checks
(wizard/premises/extract.py) and inserts it only into an empty premise table: the app may already
have loaded it on first start, and both must live side by side.
"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wizard.premises import extract
from wizard.premises.models import Premise

DEMO_PREMISES = Path(__file__).resolve().parent.parent / "config" / "demo_premises.csv"

#: Demo premises the tests use, by what they are.
TNMP_1500_MAIN = "10400511057451455"  # 1500 MAIN ST, Galveston 77550 (TNMP)
CENTERPOINT_1501_MAIN = "1008901180192665186987"  # 1501 MAIN ST, Galveston 77550 (CenterPoint)
DE_ENERGIZED_1520_MAIN = "10400511007741711"  # Galveston, TNMP, De-Energized (ZIP+4 in the extract)
SWITCH_HOLD_1521_MAIN = "1008901488556537726426"  # Galveston, CenterPoint, switch hold
BUSINESS_1717_MAIN = "10443720843024788"  # 1717 MAIN ST STE 200, Dallas: Small Non-Residential
DE_ENERGIZED_1800_ELM = "10443720389040316"  # Dallas, De-Energized
SWITCH_HOLD_1900_ELM = "10443720749846965"  # Dallas, switch hold
UNMETERED_STREET_LIGHT = "10443720880204926"  # 1000 ELM ST STREET LIGHT, Dallas: METERED=N
DALLAS_100_MAIN = "10443720748526057"  # 100 MAIN ST, Dallas 75201 (Oncor), residential, active


def load_demo_premises(session: Session) -> int:
    """Insert the demo premises if the table is empty; answer how many premises it then holds."""
    held = session.scalar(select(func.count()).select_from(Premise))
    if held:
        return held
    with DEMO_PREMISES.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        positions = extract.header_map(next(rows))
        premises = [Premise(**extract.parse(row, positions)) for row in rows]
    session.add_all(premises)
    session.commit()
    return len(premises)
