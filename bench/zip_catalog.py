"""Benchmark: import every US ZIP code (~42,000, from the `zipcodes` package) spread over the
utilities, then time the wizard's ZIP and plan lookups with that map plus 5,000 plans.

Run by bench/run.sh, or: TEST_POSTGRES_URL=postgresql://... python3 bench/zip_catalog.py
Targets: import under 10 s; ZIP and plan lookups under 5 ms at p99. Prints figures; asserts nothing.
"""
from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zipcodes  # noqa: E402

from tests.postgres import fresh_database  # noqa: E402
from wizard import create_app  # noqa: E402
from wizard.catalog.models import Affiliate, Plan, PlanVisibility, Utility  # noqa: E402
from wizard.catalog.offers import offered_plans, utilities_for_zip  # noqa: E402
from wizard.catalog.zip_import import import_zips  # noqa: E402
from wizard.core.extensions import db  # noqa: E402


def national_csv(utilities: list[str]) -> tuple[str, list[str]]:
    """Every US ZIP, each served by one utility, every tenth split between two."""
    zips = sorted({z["zip_code"] for z in zipcodes.list_all()})
    lines = ["zip,utility"]
    for i, zip_code in enumerate(zips):
        lines.append(f"{zip_code},{utilities[i % len(utilities)]}")
        if i % 10 == 0:
            lines.append(f"{zip_code},{utilities[(i + 1) % len(utilities)]}")
    return "\n".join(lines) + "\n", zips


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def main() -> None:
    with fresh_database("bench_zip") as url:
        run(url)


def run(url: str) -> None:
    """Import the national ZIP map into the database at `url`, add the plans, time the lookups."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "DATABASE_URL": url, "AUTO_MIGRATE": True})
    try:
        with db.sessionmaker(app)() as session:
            codes = list(session.scalars(sa.select(Utility.code).order_by(Utility.code)))
            text, zips = national_csv(codes)
            started = time.perf_counter()
            report = import_zips(session, text)
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = import_zips(session, text)
            second = time.perf_counter() - started
            print(f"ZIP import, PostgreSQL: {len(zips):,} ZIP codes, {text.count(chr(10)) - 1:,} rows")
            print(f"  first import  {first:.2f} s ({report.added:,} pairs added, {report.removed} removed) "
                  "(target < 10 s)")
            print(f"  same file again {second:.2f} s ({again.added} added, {again.removed} removed: no change)")
            # A national marketing catalog: 5,000 plans, each priced for one utility and shown on
            # one channel (the web, agents, or one of 20 affiliates), some in past or future windows.
            channels = ["web", "agent"] + [f"affiliate:AFF{n:02d}" for n in range(20)]
            for n in range(20):
                session.add(Affiliate(code=f"AFF{n:02d}", name=f"Affiliate {n}"))
            today = dt.date.today()
            windows = [(None, None), (None, None), (None, None), (today - dt.timedelta(days=60), today - dt.timedelta(days=1)),
                       (today + dt.timedelta(days=1), None), (today - dt.timedelta(days=5), today + dt.timedelta(days=30))]
            for i in range(5000):
                shown_from, shown_to = windows[i % len(windows)]
                session.add(Plan(code=f"BENCH{i:05d}", name=f"Bench plan {i}", state_code="TX", rate_type="fixed",
                                 energy_cents_per_kwh=Decimal("12.0") + Decimal(i % 50) / 10, base_fee=Decimal("5"),
                                 term_months=[6, 12, 24, 36][i % 4], early_termination_fee=Decimal("150"),
                                 renewable_percent=10, customer_types=["residential"] if i % 3 else ["commercial"],
                                 utility_code=codes[i % len(codes)], promo_only=(i % 17 == 0),
                                 visibility=[PlanVisibility(channel=channels[(i // len(codes)) % len(channels)],
                                                            shown_from=shown_from, shown_to=shown_to)]))
            session.commit()
        rng = random.Random(1)
        zip_times, plan_times, offered = [], [], []
        with db.sessionmaker(app)() as session:
            for _ in range(2000):
                zip_code = rng.choice(zips)
                t0 = time.perf_counter()
                utilities = utilities_for_zip(session, zip_code)
                t1 = time.perf_counter()
                plans = offered_plans(session, state=utilities[0].state_code, customer_type="residential",
                                      promo_code=None, today=today, utility_code=utilities[0].code)
                t2 = time.perf_counter()
                zip_times.append((t1 - t0) * 1000)
                plan_times.append((t2 - t1) * 1000)
                offered.append(len(plans))
        print(f"Lookups with that map and {5000 + 10:,} plans (2,000 random ZIPs, one session):")
        print(f"  ZIP -> utilities   p50 {statistics.median(zip_times):.2f} ms, p99 {p99(zip_times):.2f} ms "
              "(target p99 < 5 ms)")
        print(f"  plans offered      p50 {statistics.median(plan_times):.2f} ms, p99 {p99(plan_times):.2f} ms "
              f"(target p99 < 5 ms; {statistics.median(offered):.0f} plans offered per lookup)")
    finally:
        db.engine(app).dispose()


if __name__ == "__main__":
    main()
