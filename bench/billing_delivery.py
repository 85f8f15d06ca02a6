"""Benchmark: enrollments delivered per second to the stand-in billing system, 1 and 2 workers.

Run by bench/run.sh (which starts a throwaway PostgreSQL and sets TEST_POSTGRES_URL), or:
    TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres python3 bench/billing_delivery.py
Each worker is a real `flask --app wsgi billing worker` process; PostgreSQL hands them rows with
FOR UPDATE SKIP LOCKED. Prints figures; asserts nothing.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import billing  # noqa: E402
from billing.models import OutboxItem  # noqa: E402
from tests.billing_fixtures import StandInProcess, make_enrollment  # noqa: E402
from tests.postgres import fresh_database  # noqa: E402
from wizard.core.models import Base, load_all_models  # noqa: E402

load_all_models()  # every feature's tables on the shared metadata

ENROLLMENTS = int(os.environ.get("BENCH_ENROLLMENTS", 2000))


def run(workers: int) -> float:
    """Deliver ENROLLMENTS with `workers` worker processes; answer enrollments per second."""
    with fresh_database("bench_billing") as url:
        return deliver(workers, url)


def deliver(workers: int, url: str) -> float:
    """Deliver ENROLLMENTS from the empty database at `url`; answer enrollments per second."""
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    store = sessionmaker(bind=engine, expire_on_commit=False)
    key = Fernet.generate_key().decode()
    cipher = billing.FieldCipher(key)
    with store() as s:
        for i in range(ENROLLMENTS):
            make_enrollment(s, cipher, i, commit=False)
        s.commit()
    standin = StandInProcess(accept_after=3600).start()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "FIELD_ENCRYPTION_KEYS": key,
           "AUTO_MIGRATE": "0", "BILLING_ADAPTER": "web_service", "BILLING_URL": standin.url,
           "BILLING_POLL_INTERVAL": "3600", "BILLING_DRAIN_IN_PROCESS": "0", "INSTANCE_PATH": "/tmp/bench-instance",
           "ALLOW_INSECURE_HTTP": "1"}
    started = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "billing", "worker", "--idle", "0.05"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(workers)]
    try:
        deadline = started + 300
        while time.monotonic() < deadline:
            with store() as s:
                left = s.scalar(sa.select(sa.func.count()).select_from(OutboxItem).where(OutboxItem.sent_at.is_(None)))
            if not left:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        stats = standin.stats()
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        standin.stop()
        engine.dispose()
    assert stats["prospects_created"] == ENROLLMENTS, stats
    print(f"  {workers} worker(s): {ENROLLMENTS} enrollments in {elapsed:.1f} s = {ENROLLMENTS / elapsed:.0f}/s "
          f"(prospects created {stats['prospects_created']}, replayed requests {stats['replayed_requests']})")
    return ENROLLMENTS / elapsed


def main() -> None:
    print(f"Billing delivery to the stand-in (web service), PostgreSQL, {ENROLLMENTS} enrollments "
          "(includes worker start-up, about 1 s):")
    one = run(1)
    two = run(2)
    print(f"  two workers / one worker: {two / one:.2f}x")


if __name__ == "__main__":
    main()
