"""ERCOT's TDSP ESI ID extract: its columns (the one place that maps them), one row checked and
turned into a premise's values, and the address keys the lookup matches.

The extract is a CSV with a header row, one file per TDSP: a FULL file lists all its premises,
a daily file the ones that changed. Column names are matched case-insensitively.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

#: Extract column -> premise attribute, in the extract's order.
COLUMNS: dict[str, str] = {
    "ESIID": "esi_id",
    "ADDRESS": "address",
    "ADDRESS_OVERFLOW": "address_overflow",
    "CITY": "city",
    "STATE": "state",
    "ZIPCODE": "zip",
    "DUNS": "duns",
    "METER_READ_CYCLE": "meter_read_cycle",
    "STATUS": "status",
    "PREMISE_TYPE": "premise_type",
    "POWER_REGION": "power_region",
    "STATIONCODE": "station_code",
    "STATIONNAME": "station_name",
    "METERED": "metered",
    "OPEN_SERVICE_ORDERS": "open_service_orders",
    "POLR_CUSTOMER_CLASS": "polr_customer_class",
    "SETTLEMENT_AMS_INDICATOR": "settlement_ams",
    "TDSP_AMS_INDICATOR": "tdsp_ams",
    "SWITCH_HOLD_INDICATOR": "switch_hold",
}
REQUIRED = ("ESIID", "ADDRESS", "CITY", "STATE", "ZIPCODE", "DUNS", "STATUS", "PREMISE_TYPE", "METERED",
            "SWITCH_HOLD_INDICATOR")

#: Premise attributes and their longest accepted value (the table's column sizes).
LIMITS: dict[str, int] = {
    "address": 120, "address_overflow": 60, "city": 60, "meter_read_cycle": 8, "status": 20,
    "premise_type": 40, "power_region": 20, "station_code": 20, "station_name": 60,
    "open_service_orders": 40, "polr_customer_class": 40, "settlement_ams": 20, "tdsp_ams": 20,
}

#: STATUS as the extract spells it (a word or its first letter) -> the stored word.
STATUSES = {"ACTIVE": "Active", "A": "Active", "DE-ENERGIZED": "De-Energized", "DE_ENERGIZED": "De-Energized",
            "DEENERGIZED": "De-Energized", "D": "De-Energized", "INACTIVE": "Inactive", "I": "Inactive",
            "RETIRED": "Inactive", "R": "Inactive"}
YES = {"Y", "YES", "T", "TRUE", "1"}
NO = {"N", "NO", "F", "FALSE", "0", ""}

_ESI = re.compile(r"\d{17}(\d{5})?")
_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")
_DUNS = re.compile(r"\d{9}(\d{4})?")

# USPS street suffixes and directions: "1500 Main Street" and "1500 MAIN ST" are one key.
ABBREVIATIONS = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "BOULEVARD": "BLVD", "DRIVE": "DR", "ROAD": "RD",
    "LANE": "LN", "COURT": "CT", "CIRCLE": "CIR", "PLACE": "PL", "PARKWAY": "PKWY", "HIGHWAY": "HWY",
    "FREEWAY": "FWY", "EXPRESSWAY": "EXPY", "TRAIL": "TRL", "TERRACE": "TER", "SQUARE": "SQ",
    "COVE": "CV", "CROSSING": "XING", "POINT": "PT", "PLAZA": "PLZ", "LOOP": "LOOP", "WAY": "WAY",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW",
    "SOUTHEAST": "SE", "SOUTHWEST": "SW", "APARTMENT": "APT", "SUITE": "STE", "UNIT": "UNIT",
    "BUILDING": "BLDG", "FLOOR": "FL", "NUMBER": "NO", "SAINT": "ST", "MOUNT": "MT", "FORT": "FT",
}
_NOT_KEY = re.compile(r"[^A-Z0-9]+")


class BadRow(ValueError):
    """A row the import cannot take; the message says why, for the report by line."""


def tokens(text: str) -> list[str]:
    """Upper-case words and numbers of an address, punctuation dropped ("#12" is "12")."""
    return _NOT_KEY.sub(" ", text.upper()).split()


def address_key(text: str) -> str:
    """The normalised form of an address (words abbreviated as the extract writes them); an address
    still being typed becomes its prefixes with `typed_keys`."""
    return " ".join(ABBREVIATIONS.get(w, w) for w in tokens(text))


def typed_keys(text: str) -> list[str]:
    """The key prefixes an address still being typed may begin: the words typed so far with the
    last one as typed, and, where the last word begins a word the keys abbreviate ("STRE" of
    STREET, "AVEN" of AVENUE), with that abbreviation instead; so "1500 Main Stre" and
    "1500 Main Street" find "1500 MAIN ST" while the customer types."""
    words = tokens(text)
    if not words:
        return [""]
    head = [ABBREVIATIONS.get(w, w) for w in words[:-1]]
    last = words[-1]
    keys = [" ".join([*head, last])]
    if last.isalpha():
        for long, short in ABBREVIATIONS.items():
            if long.startswith(last) and not short.startswith(last):
                key = " ".join([*head, short])
                if key not in keys:
                    keys.append(key)
    return keys


def street_key(key: str) -> str:
    """An address key with its house number moved to the end: lets "Main St" find "1500 MAIN ST"."""
    number, _, rest = key.partition(" ")
    if rest and number[:1].isdigit():
        return f"{rest} {number}"
    return key


def _flag(value: str, column: str) -> bool:
    v = value.strip().upper()
    if v in YES:
        return True
    if v in NO:
        return False
    raise BadRow(f"{column} must be Y or N, not {value.strip()[:20]!r}")


def header_map(header: list[str]) -> dict[str, int]:
    """Column positions by extract name; raises BadRow (for line 1) when a required column is missing."""
    positions = {name.strip().strip('"').upper(): i for i, name in enumerate(header)}
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise BadRow("the header lacks " + ", ".join(missing)
                     + " (is this ERCOT's TDSP ESI ID extract, with its header row?)")
    return {c: positions[c] for c in COLUMNS if c in positions}


def parse(row: list[str], positions: Mapping[str, int]) -> dict[str, Any]:
    """One data row as premise values, or BadRow saying what is wrong with it."""
    if len(row) < len(positions):
        raise BadRow(f"{len(row)} fields where the header has {len(positions)}")
    raw = {attr: row[positions[col]].strip() if col in positions else "" for col, attr in COLUMNS.items()}
    esi = raw["esi_id"]
    if not _ESI.fullmatch(esi):
        raise BadRow(f"ESIID must be 17 or 22 digits, not {esi[:30]!r}")
    zip_match = _ZIP.fullmatch(raw["zip"])
    if not zip_match:
        raise BadRow(f"ZIPCODE must be a 5-digit ZIP code (ZIP+4 allowed), not {raw['zip'][:12]!r}")
    if not _DUNS.fullmatch(raw["duns"]):
        raise BadRow(f"DUNS must be 9 or 13 digits, not {raw['duns'][:20]!r}")
    if not raw["address"]:
        raise BadRow("ADDRESS is empty")
    if len(raw["state"]) != 2 or not raw["state"].isalpha():
        raise BadRow(f"STATE must be a two-letter state, not {raw['state'][:12]!r}")
    status = STATUSES.get(raw["status"].upper())
    if status is None:
        raise BadRow(f"STATUS must be Active, De-Energized or Inactive, not {raw['status'][:20]!r}")
    if not raw["premise_type"]:
        raise BadRow("PREMISE_TYPE is empty")
    for attr, limit in LIMITS.items():
        if len(raw[attr]) > limit:
            column = next(c for c, a in COLUMNS.items() if a == attr)
            raise BadRow(f"{column} is longer than {limit} characters")
    # At most the key columns' 160 characters (address and overflow may reach 181): a prefix lookup
    # never needs more, and a longer value would make PostgreSQL refuse the whole import.
    key = address_key(f"{raw['address']} {raw['address_overflow']}")[:160]
    return {
        **raw,
        "state": raw["state"].upper(), "zip": zip_match.group(1), "zip4": zip_match.group(2) or "",
        "status": status, "metered": _flag(raw["metered"], "METERED"),
        "switch_hold": _flag(raw["switch_hold"], "SWITCH_HOLD_INDICATOR"),
        "address_key": key, "street_key": street_key(key),
    }
