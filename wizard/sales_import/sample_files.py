"""Sales files for trying and testing the importer, on the demo catalog (config/demo_catalog.toml).

Each row is a residential switch on the first available date in a demo ZIP, with an ESI ID of the
right utility's prefix and length (not one of the demo premises, whose extract rules would apply),
on a plan the chosen channel offers. Every `bad_every`-th row gets one mistake from `MISTAKES`,
in turn, so a test knows the line and column of each problem.

    python -m wizard.sales_import.sample_files sales.csv --rows 10000 --bad-every 50 [--plans agent]
"""
from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path
from typing import Iterable, Optional

from .columns import COLUMNS

#: Demo ZIP -> (utility code, ESI ID prefix, length), a split ZIP's utility named in the row.
ZIPS = {"75201": ("", "1044372", 17), "77002": ("", "1008901", 22), "78401": ("", "1003278", 17),
        "79601": ("", "1020404", 17), "75701": ("", "1017699", 17), "77550": ("tnmp", "1040051", 17),
        "75067": ("oncor", "1044372", 17)}
#: Residential plans each choice of plans offers in the demo catalog.
PLANS = {"web": ("SAVER12", "STEADY24", "GREEN12", "LONGHAUL36"), "agent": ("SAVER12", "PHONE12", "GREEN12"),
         "partner": ("PARTNER12",)}
FIRST = ("Ana", "Luis", "María", "John", "Keisha", "Wei", "Priya", "Tomás", "Grace", "Omar")
LAST = ("Garza", "Nguyen", "Smith", "Johnson", "Hernández", "Patel", "Okafor", "Kim", "Rossi", "Brown")
STREETS = ("Main St", "Elm St", "Oak Ave", "Commerce St", "Pecan Dr", "Live Oak Ln")
CITIES = {"75201": "Dallas", "77002": "Houston", "78401": "Corpus Christi", "79601": "Abilene", "75701": "Tyler",
          "77550": "Galveston", "75067": "Lewisville"}
#: (column, value) of each kind of mistake, in the order rows get them.
MISTAKES = (("email", "not-an-email"), ("esi_id", "123"), ("date_of_birth", "1980-02-30"),
            ("plan", "NOSUCHPLAN"), ("consent_method", "fax"), ("zip", "10001"), ("phone", "555"))


def _demo_esi_ids() -> set[str]:
    path = Path(__file__).resolve().parents[2] / "config" / "demo_premises.csv"
    if not path.exists():
        return set()
    with path.open(newline="") as fh:
        return {row[0] for row in csv.reader(fh)}


def sale(n: int, *, plans: str = "web", partner: Optional[str] = None, rng: Optional[random.Random] = None,
         taken: Iterable[str] = ()) -> dict[str, str]:
    """The `n`th good sale (n from 1), the same for the same n."""
    rng = rng or random.Random(n)  # nosec B311: test data, not secrets
    zip_code = list(ZIPS)[n % len(ZIPS)]
    utility, prefix, length = ZIPS[zip_code]
    esi_id = prefix + f"{n:0{length - len(prefix)}d}"
    while esi_id in taken:  # a demo premise: the extract's rules would apply to it
        esi_id = prefix + f"{rng.randrange(10 ** (length - len(prefix))):0{length - len(prefix)}d}"
    return {
        "sale_id": f"S{n:07d}", "consent_method": "phone" if n % 3 else "signed_contract",
        "consent_reference": f"TPV-{n:07d}", "partner": partner or "",
        "zip": zip_code, "promo": "", "customer_type": "residential", "utility": utility, "referral": "other",
        "plan": PLANS[plans][n % len(PLANS[plans])],
        "first_name": FIRST[n % len(FIRST)], "last_name": LAST[(n // len(FIRST)) % len(LAST)],
        "email": f"sale{n}@example.com", "phone": f"(214) 555-{n % 10000:04d}", "language": "es" if n % 7 == 0 else "en",
        "contact_method": "email", "business_name": "", "tax_id": "",
        "date_of_birth": f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "identity_value": f"234-56-{1 + n % 9999:04d}",
        "service_line1": f"{100 + n % 9000} {STREETS[n % len(STREETS)]}", "service_line2": "",
        "service_city": CITIES[zip_code], "billing_same": "yes", "esi_id": esi_id, "enrollment_type": "switch",
        "start_timing": "first_available", "switch_date": "", "move_in_date": "",
    }


def rows(count: int, *, bad_every: int = 0, plans: str = "web", partner: Optional[str] = None,
         first: int = 1) -> list[dict[str, str]]:
    """`count` sales numbered from `first`; with `bad_every`, every such row has one mistake."""
    taken = _demo_esi_ids()
    made = []
    for i, n in enumerate(range(first, first + count), 1):
        row = sale(n, plans=plans, partner=partner, taken=taken)
        if bad_every and i % bad_every == 0:
            column, value = MISTAKES[(i // bad_every - 1) % len(MISTAKES)]
            row[column] = value
        made.append(row)
    return made


def bad_lines(count: int, bad_every: int) -> dict[int, str]:
    """Line in the file (the header is line 1) -> the column of its mistake, for `rows(count, bad_every=...)`."""
    if not bad_every:
        return {}
    return {i + 1: MISTAKES[(i // bad_every - 1) % len(MISTAKES)][0]
            for i in range(bad_every, count + 1, bad_every)}


def write(path: Path, sales: list[dict[str, str]]) -> Path:
    """The sales as a CSV file with the importer's header, UTF-8."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        out.writeheader()
        out.writerows(sales)
    return path


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Write a sales file on the demo catalog.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--bad-every", type=int, default=0, help="every Nth row has one mistake (0: none)")
    parser.add_argument("--plans", choices=sorted(PLANS), default="web")
    parser.add_argument("--partner", default=None, help="affiliate code for the partner column (ACME)")
    args = parser.parse_args(argv)
    partner = args.partner or ("ACME" if args.plans == "partner" else None)
    write(args.path, rows(args.rows, bad_every=args.bad_every, plans=args.plans, partner=partner))
    print(f"{args.path}: {args.rows:,} sales, {len(bad_lines(args.rows, args.bad_every)):,} with a mistake")


if __name__ == "__main__":
    main()
