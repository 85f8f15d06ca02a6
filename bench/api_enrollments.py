"""Benchmark: partners' scripts on the Enrollment API, on PostgreSQL (and the embedded SQLite).

    python3 bench/api_enrollments.py [--partners 8] [--enrollments 25] [--only postgresql|sqlite]
    (PostgreSQL at TEST_POSTGRES_URL, as bench/run.sh starts it)

For each database: a fresh database migrated the production way, the wizard served by gunicorn
with config/gunicorn.conf.py (2 sync workers), one API key per partner. Each partner's script
(a thread, one connection per request) looks up plans, enrolls a premise under a new
Idempotency-Key, replays that POST once (a retry after a lost answer) and reads the enrollment's
status, `--enrollments` times. Latency is the script's wait, from the request's first byte to the
answer's last. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.common import BenchError, create_database, drop_database, log  # noqa: E402
from bench.servers import Server  # noqa: E402

KINDS = ("plans", "enroll", "replay", "status")


def body(partner: int, n: int) -> dict[str, Any]:
    """A Texas switch at a Dallas premise on ACME's plan, a different customer each time."""
    return {"zip": "75201", "customer_type": "residential", "referral": "friend", "plan": "PARTNER12",
            "first_name": "Ana", "last_name": f"Bench{partner}x{n}", "email": f"p{partner}n{n}@example.com",
            "phone": "(214) 555-0100", "language": "en", "contact_method": "email", "date_of_birth": "1980-03-27",
            "identity_value": "234-56-7890", "service_line1": "100 Main St", "service_city": "Dallas",
            "billing_same": "yes", "esi_id": "10443720748526057", "enrollment_type": "switch",
            "start_timing": "first_available", "consent": {"method": "phone", "reference": f"TPV-{partner}-{n}"}}


def p(samples: list[float], pct: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1] if len(samples) > 1 else samples[0]


def make_keys(url: str, count: int) -> list[str]:
    """API keys of ACME, made in this process as the admin page makes them."""
    from cryptography.fernet import Fernet

    from wizard import create_app
    from wizard.api import keys
    from wizard.catalog.models import Affiliate
    from wizard.core.extensions import db

    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False,
                      "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    with app.app_context():
        made = [keys.create(db.session, db.session.get(Affiliate, "ACME"), f"bench {i}", "bench")[1]
                for i in range(count)]
        db.session.commit()
    db.engine(app).dispose()
    return made


def partner_script(base: str, key: str, partner: int, enrollments: int, out: dict[str, list[float]],
                   errors: list[str]) -> None:
    auth = {"Authorization": f"Bearer {key}"}

    def timed(kind: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        answer = requests.request(method, base + path, timeout=30, **kwargs)
        out[kind].append((time.perf_counter() - started) * 1000)
        if answer.status_code >= 300:
            errors.append(f"{kind} {answer.status_code} {answer.text[:120]}")
        return answer

    for n in range(enrollments):
        timed("plans", "GET", "/api/v1/plans?zip=75201&customer_type=residential", headers=auth)
        headers = {**auth, "Idempotency-Key": str(uuid.uuid4()), "Content-Type": "application/json"}
        data = json.dumps(body(partner, n))
        made = timed("enroll", "POST", "/api/v1/enrollments", headers=headers, data=data)
        again = timed("replay", "POST", "/api/v1/enrollments", headers=headers, data=data)
        if made.status_code == 201 and again.text != made.text:
            errors.append("a replay answered differently")
        if made.status_code == 201:
            timed("status", "GET", made.json()["links"]["self"], headers=auth)


def one_database(kind: str, url: str, env: dict[str, str], workdir: Path, partners: int,
                 enrollments: int) -> dict[str, Any]:
    env = {**env, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    api_keys = make_keys(url, partners)
    server = Server(f"api-{kind}", "wsgi:app", env, workdir).start("/healthz")
    try:
        base = f"http://127.0.0.1:{server.port}"
        out: dict[str, list[float]] = {k: [] for k in KINDS}
        errors: list[str] = []
        partner_script(base, api_keys[0], 99, 3, {k: [] for k in KINDS}, [])  # warm both workers
        started = time.perf_counter()
        threads = [threading.Thread(target=partner_script, args=(base, api_keys[i], i, enrollments, out, errors))
                   for i in range(partners)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    log(f"\n== {kind}: {partners} partners x {enrollments} enrollments in {seconds:.1f} s "
        f"({partners * enrollments / seconds:.1f} enrollments/s); errors {len(errors)} {errors[:2]}")
    for k in KINDS:
        if out[k]:
            log(f"  {k:7} n={len(out[k]):4}  p50 {p(out[k], 50):6.1f} ms  p90 {p(out[k], 90):6.1f} ms  "
                f"p99 {p(out[k], 99):6.1f} ms  max {max(out[k]):6.1f} ms")
    return {"seconds": seconds, "samples": out, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=8, help="partner scripts at once (default 8)")
    parser.add_argument("--enrollments", type=int, default=25, help="enrollments per partner (default 25)")
    parser.add_argument("--only", choices=("postgresql", "sqlite"), help="one database only")
    args = parser.parse_args()
    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if not admin_url and args.only != "sqlite":
        log("TEST_POSTGRES_URL is not set: run bench/run.sh, which starts a throwaway PostgreSQL.")
        return 2
    from cryptography.fernet import Fernet

    workdir = Path(tempfile.mkdtemp(prefix="wizard-bench-api."))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AUTO_MIGRATE", "DATABASE_URL")}
    env.update({"SECRET_KEY": secrets.token_urlsafe(48), "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "BILLING_DRAIN_IN_PROCESS": "0", "INSTANCE_PATH": str(workdir / "instance"),
                "BILLING_DROP_DIR": str(workdir / "billing-drop"), "MAIL_TRANSPORT": "file",
                "MAIL_DIR": str(workdir / "mail"), "ALLOW_INSECURE_HTTP": "1", "PYTHONUNBUFFERED": "1",
                "API_RATE_LIMIT": "1000000 per minute"})
    dbname = f"wizard_bench_api_{secrets.token_hex(3)}"
    try:
        if args.only != "sqlite":
            one_database("postgresql", create_database(admin_url, dbname), env, workdir, args.partners,
                         args.enrollments)
        if args.only != "postgresql":
            one_database("sqlite", f"sqlite:///{workdir / 'wizard.db'}", env, workdir, args.partners,
                         args.enrollments)
        return 0
    except BenchError as exc:
        log(f"\nBENCHMARK ERROR: {exc}")
        return 1
    finally:
        if admin_url and args.only != "sqlite":
            drop_database(admin_url, dbname)


if __name__ == "__main__":
    sys.exit(main())
