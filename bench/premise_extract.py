"""A statewide-size TDSP ESI ID extract in ERCOT's layout, for the premise import benchmark.

    python3 bench/premise_extract.py /tmp/extract                    # FULL: 8,000,000 premises
    python3 bench/premise_extract.py /tmp/extract --rows 100000      # a smaller FULL file
    python3 bench/premise_extract.py /tmp/extract --daily 50000      # changes to that FULL file

Every row is a pure function of (seed, row number), so a daily file can change rows the FULL
file holds without reading it: about 70 % of its rows change the status, switch hold or meter
read cycle of existing premises, the rest are new premises. Premises are spread over the five
demo TDSPs (their real DUNS numbers, in roughly their real shares) and 1,362 Texas ZIP
codes, in ESI ID order scrambled (as a merge would meet them). Writes a file named as ERCOT
names them (..._FUL_... or ..._DAILY_...) and prints its path.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wizard.premises.extract import COLUMNS  # noqa: E402

MASK = (1 << 64) - 1
PRIME = 1_000_003  # no FULL file size of interest is a multiple of it

#: (DUNS, ESI ID prefix, ESI ID length, share of premises, power region, ZIP ranges, cities)
TDSPS = [
    ("1039940674000", "1044372", 17, 0.49, "NORTH",
     [(75001, 75499), (75601, 75799), (76001, 76299), (76501, 76599), (76701, 76799), (79701, 79799)],
     ["DALLAS", "FORT WORTH", "ARLINGTON", "PLANO", "IRVING", "TYLER", "WACO", "MIDLAND", "ODESSA", "KILLEEN"]),
    ("957877905", "1008901", 22, 0.34, "COAST",
     [(77001, 77099), (77301, 77499), (77501, 77599)],
     ["HOUSTON", "PASADENA", "BAYTOWN", "SUGAR LAND", "KATY", "HUMBLE", "CONROE", "GALVESTON"]),
    ("007924772", "1003278", 17, 0.105, "SOUTH",
     [(78001, 78499), (78501, 78599)],
     ["CORPUS CHRISTI", "LAREDO", "MCALLEN", "HARLINGEN", "VICTORIA", "BROWNSVILLE"]),
    ("007923311", "1020404", 17, 0.03, "WEST",
     [(79501, 79699), (76901, 76999)],
     ["ABILENE", "SAN ANGELO", "SWEETWATER", "VERNON"]),
    ("007929441", "1040051", 17, 0.035, "NORTH",
     [(75057, 75077), (77550, 77554), (76401, 76499), (79772, 79789)],
     ["LEWISVILLE", "GALVESTON", "STEPHENVILLE", "PECOS"]),
]
STREETS = ("MAIN ELM OAK PINE MAPLE CEDAR PECAN WILLOW MAGNOLIA MESQUITE LIVE OAK HICKORY WALNUT CHERRY "
           "BLUEBONNET SUNSET LAKEVIEW HILLCREST RIVERSIDE PARK CHURCH MILL SPRING MEADOW FOREST RIDGE "
           "VALLEY CREEK HIGHLAND CENTRAL COMMERCE INDUSTRIAL RAILROAD BROADWAY WASHINGTON JEFFERSON "
           "LINCOLN MADISON JACKSON TRAVIS AUSTIN HOUSTON LAMAR BOWIE CROCKETT SAM RAYBURN SEGUIN NAVARRO "
           "ALAMO PRESIDIO GUADALUPE SAN JACINTO COLORADO BRAZOS TRINITY SABINE PECOS NUECES RIO GRANDE "
           "CANYON PRAIRIE RANCH COUNTRY CLUB GREENBRIAR WESTHEIMER KIRBY MONTROSE GREENVILLE MOCKINGBIRD "
           "LOVERS SKILLMAN ABRAMS PRESTON CAMPBELL BELT LINE FRANKFORD KELLER SPRINGS ROYAL WALNUT HILL "
           "FOREST HILLS NORTHWEST SOUTHWEST OLD MILL TIMBER WOODLAND BRIAR ROSE DOGWOOD REDBUD CYPRESS "
           "BAYOU GULF HARBOR SHORE DUNE SEA BREEZE PALM ORANGE GRAPEFRUIT CACTUS YUCCA SAGE JUNIPER").split()
STREET_NAMES = STREETS + [f"{n}{'ST' if n % 10 == 1 and n != 11 else 'ND' if n % 10 == 2 and n != 12 else 'RD' if n % 10 == 3 and n != 13 else 'TH'}"
                          for n in range(1, 60)]
SUFFIXES = ["ST", "AVE", "DR", "LN", "RD", "CT", "BLVD", "CIR", "TRL", "WAY", "PKWY", "PL", "LOOP", "HWY"]
DIRECTIONS = ["N", "S", "E", "W"]
STATUSES = ["Active"] * 46 + ["De-Energized"] * 3 + ["Inactive"]
TYPES = ["Residential"] * 90 + ["Small Non-Residential"] * 9 + ["Large Non-Residential"]
POLR = {"Residential": "Residential", "Small Non-Residential": "Small Non-Residential",
        "Large Non-Residential": "Large Non-Residential"}


def mix(x: int) -> int:
    """splitmix64: a well-spread 64-bit number from any integer (the rows' only randomness)."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def _zips(ranges: list[tuple[int, int]]) -> list[str]:
    return [f"{z:05d}" for low, high in ranges for z in range(low, high + 1, 2)]


ZIPS = [_zips(t[5]) for t in TDSPS]
CUMULATIVE = [sum(t[3] for t in TDSPS[:i + 1]) for i in range(len(TDSPS))]


def tdsp_of(h: int) -> int:
    """Which TDSP a row belongs to, by its hash, in the TDSPs' shares."""
    u = (h & 0xFFFFFF) / 0x1000000
    for i, bound in enumerate(CUMULATIVE):
        if u < bound:
            return i
    return len(TDSPS) - 1


def row(seed: int, n: int, change: int = 0) -> list[str]:
    """Premise number `n` as an extract row; `change` > 0 gives a later version of it."""
    h = mix(seed * 1_000_003 + n)
    t = tdsp_of(h)
    duns, prefix, length, _share, region, _ranges, cities = TDSPS[t]
    digits = length - len(prefix)
    # n -> n * odd multiplier (not a multiple of 5) mod 10**digits is a bijection: unique, scattered ESI IDs
    esi = prefix + str((n * 2862933555777941757 + 104729) % (10 ** digits)).zfill(digits)
    h2 = mix(h)
    zips = ZIPS[t]
    zip_code = zips[(h >> 24) % len(zips)]
    city = cities[int(zip_code) % len(cities)]
    number = 100 + (h2 % 19900)
    h2 //= 19900
    street = STREET_NAMES[h2 % len(STREET_NAMES)]
    h2 //= len(STREET_NAMES)
    suffix = SUFFIXES[h2 % len(SUFFIXES)]
    h2 //= len(SUFFIXES)
    direction = DIRECTIONS[h2 % 4] + " " if h2 % 7 == 0 else ""
    h2 //= 28
    overflow = f"APT {1 + h2 % 400}" if h2 % 5 == 0 else ""
    h2 = mix(h2 ^ h)  # a fresh 64 bits for the rest
    premise_type = TYPES[h2 % len(TYPES)]
    h2 //= len(TYPES)
    status = STATUSES[h2 % len(STATUSES)]
    h2 //= len(STATUSES)
    cycle = f"{1 + h2 % 20:02d}"
    h2 //= 20
    switch_hold = "Y" if h2 % 100 == 0 else "N"
    h2 //= 100
    metered = "N" if h2 % 50 == 0 else "Y"
    h2 //= 50
    if change:  # a later version: one of status, switch hold or read cycle moves on
        which = (h2 + change) % 3
        if which == 0:
            status = "De-Energized" if status == "Active" else "Active"
        elif which == 1:
            switch_hold = "N" if switch_hold == "Y" else "Y"
        else:
            cycle = f"{1 + (int(cycle) + change) % 20:02d}"
    station = h2 % 900
    ams = "AMSR" if premise_type == "Residential" else "AMSM"
    return [esi, f"{number} {direction}{street} {suffix}", overflow, city, "TX", zip_code, duns, cycle, status,
            premise_type, region, f"S{station:03d}", f"{city} SUB {station % 10}", metered, "",
            POLR[premise_type], ams if metered == "Y" else "", ams if metered == "Y" else "", switch_hold]


def full_rows(seed: int, count: int) -> Iterator[list[str]]:
    for n in range(count):
        yield row(seed, n)


def daily_rows(seed: int, count: int, daily: int) -> Iterator[list[str]]:
    """`daily` rows: about 70 % changed premises of the FULL file of `count`, the rest new ones."""
    for k in range(daily):
        h = mix(seed * 7 + 1_000_000_007 + k)
        if h % 10 < 7 and count:  # k -> k * prime mod count: each premise changed once at most
            yield row(seed, (k * PRIME + seed) % count, change=1 + (h >> 40) % 5)
        else:
            yield row(seed, count + k)


def write(path: Path, rows: Iterator[list[str]]) -> int:
    """Write the header and `rows` quoted as ERCOT quotes them; answer the number of rows."""
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.writerow(list(COLUMNS))
        for r in rows:
            out.writerow(r)
            n += 1
    return n


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="where to write the file")
    parser.add_argument("--rows", type=int, default=8_000_000, help="premises in the FULL file (default 8,000,000)")
    parser.add_argument("--daily", type=int, default=0, metavar="N",
                        help="write a daily file of N changed and new premises instead of the FULL file")
    parser.add_argument("--seed", type=int, default=1, help="the same seed writes the same file")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    if args.daily:
        path = args.folder / f"TDSP_ESIID_Extract_STATEWIDE_DAILY_{args.rows}_{args.daily}_s{args.seed}.csv"
        write(path, daily_rows(args.seed, args.rows, args.daily))
    else:
        path = args.folder / f"TDSP_ESIID_Extract_STATEWIDE_FUL_{args.rows}_s{args.seed}.csv"
        write(path, full_rows(args.seed, args.rows))
    print(path)
    return path


if __name__ == "__main__":
    main()
