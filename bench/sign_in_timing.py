"""Benchmark: does a failed sign-in take as long for an unknown name as for a known one?

Times failed sign-ins on the three forms (My Account, the wizard's existing-customer sign-in
step, the admin) at the production argon2 cost (t=2, m=19 MiB), through the Flask test client
with real CSRF tokens, on SQLite in a temporary folder (or on PostgreSQL when
TEST_POSTGRES_URL is set). For each form: an unknown name, a known name with a wrong password
(its failure counter is reset before each try, so every try counts and commits), and a known
name whose login is locked. Run: `python3 bench/sign_in_timing.py [--tries 30]`.
Target (issue 15): the medians of the three columns within a few ms of each other (before the
fix: about 65-70 ms unknown against 40 ms known). Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

from cryptography.fernet import Fernet
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import Settings  # noqa: E402
from tests.admin_helpers import csrf_of, make_staff  # noqa: E402
from tests.helpers import DALLAS_SWITCH, Wizard  # noqa: E402
from wizard import create_app  # noqa: E402
from wizard.account.models import Account  # noqa: E402
from wizard.admin.models import Staff  # noqa: E402
from wizard.core.extensions import db  # noqa: E402

WRONG = "not the password at all"
UNLOCKED, LOCKED = None, dt.datetime(2999, 1, 1)


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A fresh database URL: PostgreSQL when TEST_POSTGRES_URL is set, else a SQLite file."""
    if os.environ.get("TEST_POSTGRES_URL"):
        from tests.postgres import fresh_database
        with fresh_database("bench_sign_in") as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/wizard.db"


def set_lock(app, model: type, locked_until: dt.datetime | None) -> None:
    """Put every login of `model` in the state a try should meet (outside the timing)."""
    with db.sessionmaker(app)() as session:
        session.execute(update(model).values(failed_logins=0 if locked_until is None else 9,
                                             locked_until=locked_until))
        session.commit()


def median_ms(app, tries: int, attempt: Callable[[str], int], name: str,
              model: type | None = None, locked_until: dt.datetime | None = None) -> float:
    """Median wall time of `attempt(name)` (which must answer 422, a refused sign-in); before
    each try, outside the timing, every login of `model` is put in the given lock state."""
    times = []
    for _ in range(tries):
        if model is not None:
            set_lock(app, model, locked_until)
        start = time.perf_counter()
        status = attempt(name)
        times.append((time.perf_counter() - start) * 1000)
        if status != 422:
            raise RuntimeError(f"a failed sign-in answered {status}, not 422")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=30, help="sign-ins timed per case (default 30)")
    tries = parser.parse_args().tries
    with tempfile.TemporaryDirectory() as drop, database() as url:
        app = create_app({
            "TESTING": True, "SECRET_KEY": secrets.token_urlsafe(32), "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": url, "AUTO_MIGRATE": True, "BILLING_DROP_DIR": drop, "RATELIMIT_ENABLED": False,
            # The production cost, not the test settings' cheap one.
            "ARGON2_TIME_COST": Settings.ARGON2_TIME_COST, "ARGON2_MEMORY_COST": Settings.ARGON2_MEMORY_COST,
            "ARGON2_PARALLELISM": Settings.ARGON2_PARALLELISM,
        })
        customer = Wizard(app.test_client())
        customer.walk()
        customer.submit()  # the known customer: ana.garza
        make_staff(app, "ann@example.com", "operations")

        account = app.test_client()
        account_token = csrf_of(account.get("/account/login").text)
        step = Wizard(app.test_client())
        step.walk({k: v for k, v in DALLAS_SWITCH.items() if k in ("zip", "promo", "customer-type", "referral",
                                                                    "plans")})
        step.answer("customer", {"customer_status": "existing"})
        step_token = csrf_of(step.get("/signup/sign-in").text)
        admin = app.test_client()
        admin_token = csrf_of(admin.get("/admin/login").text)

        forms = {
            "My Account": (Account, lambda name: account.post("/account/login", data={
                "csrf_token": account_token, "username": name, "password": WRONG}).status_code),
            "wizard sign-in step": (Account, lambda name: step.client.post("/signup/sign-in", data={
                "csrf_token": step_token, "username": name, "password": WRONG}).status_code),
            "admin": (Staff, lambda name: admin.post("/admin/login", data={
                "csrf_token": admin_token, "password": WRONG,
                "email": "ann@example.com" if name == "ana.garza" else f"{name}@example.com"}).status_code),
        }
        print(f"Failed sign-ins, median of {tries} (ms), argon2id t={Settings.ARGON2_TIME_COST} "
              f"m={Settings.ARGON2_MEMORY_COST // 1024} MiB, {url.split(':', 1)[0]}")
        print(f"{'form':<22}{'unknown name':>14}{'known, wrong pw':>17}{'known, locked':>15}{'largest gap':>13}")
        for label, (model, attempt) in forms.items():
            unknown = median_ms(app, tries, attempt, "nobody.here")
            known = median_ms(app, tries, attempt, "ana.garza", model, UNLOCKED)
            locked = median_ms(app, tries, attempt, "ana.garza", model, LOCKED)
            gap = max(unknown, known, locked) - min(unknown, known, locked)
            print(f"{label:<22}{unknown:>14.1f}{known:>17.1f}{locked:>15.1f}{gap:>13.1f}")
        db.engine(app).dispose()


if __name__ == "__main__":
    main()
