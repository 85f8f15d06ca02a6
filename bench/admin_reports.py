"""Benchmark: the admin's funnel report and audit log on a year of data, in PostgreSQL.

Fills a fresh database with the funnel events of 100,000 drafts spread over a year (a quarter of
them through an affiliate) and 200,000 audit entries, then times whole admin page requests
(signed-in test client, templates included). Run by bench/run.sh, or:
TEST_POSTGRES_URL=postgresql://... python3 bench/admin_reports.py
Target (ours): an admin page in well under a second. Prints figures; asserts nothing.
"""
from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.admin_helpers import signed_in  # noqa: E402
from tests.postgres import fresh_database  # noqa: E402
from wizard import create_app  # noqa: E402
from wizard.admin.models import AuditEntry
from wizard.core.extensions import db  # noqa: E402
from wizard.signup.models import FunnelEvent  # noqa: E402

STEPS = ["started", "promo", "customer-type", "referral", "plans", "customer", "about-you", "premise",
         "credentials", "review", "completed"]
DRAFTS, AUDIT_ENTRIES, REQUESTS = 100_000, 200_000, 20


def fill(session: sa.orm.Session) -> int:
    """A year of funnel events and audit entries; answer the number of funnel events."""
    rng = random.Random(1)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows: list[dict] = []
    for d in range(DRAFTS):
        at = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        affiliate = "ACME" if d % 4 == 0 else None
        for step in STEPS[:rng.randrange(1, len(STEPS) + 1)]:
            rows.append({"draft_ref": f"{d:032x}", "step": step, "affiliate_code": affiliate, "at": at})
            at += dt.timedelta(minutes=1)
    for start in range(0, len(rows), 20_000):
        session.execute(sa.insert(FunnelEvent), rows[start:start + 20_000])
    entries = [{"at": now - dt.timedelta(minutes=i * 2), "actor": f"staff{i % 25}@example.com",
                "action": ("update", "create", "retire", "cancel")[i % 4],
                "entity_type": ("plan", "promo", "visibility", "enrollment")[i % 4], "entity_id": f"X{i % 5000}",
                "before": {"name": "old"}, "after": {"name": "new"}} for i in range(AUDIT_ENTRIES)]
    for start in range(0, len(entries), 20_000):
        session.execute(sa.insert(AuditEntry), entries[start:start + 20_000])
    session.commit()
    session.execute(sa.text("ANALYZE"))
    return len(rows)


def time_page(client, path: str) -> tuple[float, float]:
    """p50 and worst of REQUESTS whole requests, in ms (after one warm-up)."""
    assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    with fresh_database("bench_admin") as url:
        run(url)


def run(url: str) -> None:
    """Fill the database at `url` with a year of data and time the admin pages."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "DATABASE_URL": url, "AUTO_MIGRATE": True, "RATELIMIT_ENABLED": False})
    try:
        with db.sessionmaker(app)() as session:
            events = fill(session)
        client = signed_in(app, "admin").client
        today = dt.date.today()
        print(f"Admin reports, PostgreSQL: {events:,} funnel events of {DRAFTS:,} drafts over a year, "
              f"{AUDIT_ENTRIES:,} audit entries; whole requests, p50 / worst of {REQUESTS}:")
        for label, path in [
            ("funnel, last 30 days", "/admin/funnel"),
            ("funnel, 30 days, one affiliate", "/admin/funnel?channel=affiliate:ACME"),
            ("funnel, a whole year", f"/admin/funnel?date_from={today - dt.timedelta(days=365)}&date_to={today}"),
            ("funnel CSV, a whole year", f"/admin/funnel.csv?date_from={today - dt.timedelta(days=365)}&date_to={today}"),
            ("audit log, newest page", "/admin/audit"),
            ("audit log, one entity type", "/admin/audit?entity_type=promo"),
            ("audit log, page 2,000", "/admin/audit?page=2000"),
        ]:
            p50, worst = time_page(client, path)
            print(f"  {label:<32} {p50:7.1f} ms / {worst:7.1f} ms")
    finally:
        db.engine(app).dispose()


if __name__ == "__main__":
    main()
