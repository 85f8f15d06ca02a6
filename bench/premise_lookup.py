"""Benchmark: the address lookup at statewide scale, on PostgreSQL and on the embedded SQLite.

    bench/run.sh runs it after the step mix; or, with a PostgreSQL at TEST_POSTGRES_URL:
    python3 bench/premise_lookup.py [--rows 8000000] [--extract FILE] [--seconds 20]

For each database: a fresh database migrated the production way, a generated FULL extract
(bench/premise_extract.py, 8,000,000 premises by default) imported with `flask --app wsgi
premises import`, the wizard served by gunicorn with config/gunicorn.conf.py (2 sync workers).
Then 16 customers at the premise step of ZIP 75201 type real addresses of that ZIP as the
typeahead sends them: a search (POST /signup/premise/find-address, htmx) each time they pause,
every third character, the next one 400 ms (htmx's delay) after the answer, give or take a typist's
rhythm (uniformly 250 to 550 ms: the same load on average), each customer starting at a random
moment of the first 400 ms. Without that spread the 16 simulated customers stay in lockstep and
all search in the same millisecond, every time, which 16 real people never do: `--lockstep`
measures that worst case too. Measured twice:
alone, and while wrk runs the step mix of bench/run.py (GET plans, GET and POST referral) at
16 connections on the same server. Latency is what the customer's browser waits for, from the
request's first byte to the answer's last.

Targets (issue 12): p99 under 15 ms on PostgreSQL and under 30 ms on SQLite at 16 concurrent
customers. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import premise_extract  # noqa: E402
from bench.common import BenchError, create_database, drop_database, log  # noqa: E402
from bench.http_client import Client, expect  # noqa: E402
from bench.servers import Server  # noqa: E402
from bench.throughput import write_mix_script  # noqa: E402
from bench.wizard_walk import prepare_draft, walk  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402
from tests.helpers import DALLAS_SWITCH, csrf_token  # noqa: E402

ZIP = "75201"  # DALLAS_SWITCH's ZIP: one utility, so the walk reaches the premise step directly
TARGETS_MS = {"postgresql": 15.0, "sqlite": 30.0}
DEBOUNCE_S = 0.4  # hx-trigger="input changed delay:400ms" in templates/signup/_address_lookup.html
RHYTHM_S = 0.15  # a typist's pause varies by this much either side of the debounce
HTMX = {"HX-Request": "true"}


def p(samples: list[float], pct: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1] if len(samples) > 1 else samples[0]


def flask(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed: {out.stdout[-2000:]}{out.stderr[-2000:]}")
    return out.stdout


def generate(rows: int, folder: Path) -> Path:
    """The FULL file of bench/premise_import.py, written once into `folder` and reused."""
    path = folder / f"TDSP_ESIID_Extract_STATEWIDE_FUL_{rows}_s1.csv"
    if not path.exists():
        log(f"  writing a FULL extract of {rows:,} premises into {folder} (bench/premise_extract.py)")
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        premise_extract.write(path, premise_extract.full_rows(1, rows))
        log(f"  {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.0f} s")
    return path


def addresses(kind: str, url: str, count: int = 400) -> list[str]:
    """Street addresses of ZIP 75201 as a customer would type them ("1234 ELM ST"), chosen at random."""
    query = "SELECT address FROM premise WHERE zip = '75201' ORDER BY address_key LIMIT 20000"
    if kind == "sqlite":
        with sqlite3.connect(urllib.parse.urlsplit(url).path[1:]) as conn:
            rows = [r[0] for r in conn.execute(query)]
    else:
        import psycopg
        with psycopg.connect(url) as conn:
            rows = [r[0] for r in conn.execute(query)]
    if not rows:
        raise BenchError(f"the extract has no premise in ZIP {ZIP}")
    return random.Random(12).sample(rows, min(count, len(rows)))


class Customer(threading.Thread):
    """One customer at the premise step, typing addresses until told to stop."""

    def __init__(self, port: int, typed: list[str], stop: threading.Event, lockstep: bool = False, seed: int = 0):
        super().__init__(daemon=True)
        self.port, self.typed, self.stop_event = port, typed, stop
        self.lockstep, self.rng = lockstep, random.Random(seed)
        self.samples: list[float] = []
        self.found = self.searches_without_result = 0
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            client = Client(self.port)
            page = walk(client, DALLAS_SWITCH, until="premise")
            token = csrf_token(page.text)
            if not self.lockstep:
                self.stop_event.wait(self.rng.uniform(0, DEBOUNCE_S))
            for address in self.typed:
                for end in range(len(address.split(" ", 1)[0]) + 2, len(address) + 3, 3):
                    if self.stop_event.is_set():
                        return
                    resp = client.post("/signup/premise/find-address",
                                       {"csrf_token": token, "service_line1": address[:end]}, headers=HTMX)
                    expect(resp, 200, "address search")
                    self.samples.append(resp.elapsed * 1000)
                    self.stop_event.wait(DEBOUNCE_S if self.lockstep
                                         else self.rng.uniform(DEBOUNCE_S - RHYTHM_S, DEBOUNCE_S + RHYTHM_S))
                if address in resp.text:
                    self.found += 1
                else:
                    self.searches_without_result += 1
        except Exception as exc:  # reported in the figures, never hidden
            self.errors.append(f"{type(exc).__name__}: {exc}")


def customers_typing(port: int, typed: list[str], n: int, seconds: float, lockstep: bool = False) -> dict[str, Any]:
    stop = threading.Event()
    chunks = [typed[i::n] for i in range(n)]
    threads = [Customer(port, chunk, stop, lockstep, seed=i) for i, chunk in enumerate(chunks)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    samples = [s for t in threads for s in t.samples]
    errors = [e for t in threads for e in t.errors]
    if not samples:
        raise BenchError(f"no search was answered: {errors[:3]}")
    return {"searches": len(samples), "rps": len(samples) / seconds, "p50_ms": p(samples, 50),
            "p90_ms": p(samples, 90), "p99_ms": p(samples, 99), "max_ms": max(samples),
            "found": sum(t.found for t in threads), "not_found": sum(t.searches_without_result for t in threads),
            "errors": errors}


def one_database(kind: str, url: str, extract: Path | None, env: dict[str, str], workdir: Path,
                 customers: int, seconds: float) -> dict[str, Any]:
    """Import `extract` into the database at `url` (None: it holds the premises already), then measure."""
    env = {**env, "DATABASE_URL": url}
    imported_s = None
    if extract is None:
        log(f"\n== {kind}: the premises already imported at {urllib.parse.urlsplit(url).path}")
    else:
        log(f"\n== {kind}: flask --app wsgi db upgrade; premises import --full ({extract.name})")
        flask(env, "db", "upgrade")
        started = time.perf_counter()
        out = flask(env, "premises", "import", "--full", str(extract))
        imported_s = time.perf_counter() - started
        log("  " + "\n  ".join(out.strip().splitlines()[-3:]))
        log(f"  import: {imported_s:.0f} s (FULL, including the CLI's start)")
    typed = addresses(kind, url)
    server = Server(f"wizard-{kind}", "wsgi:app", env, workdir).start("/healthz")
    try:
        # Warm both workers' caches the way a first customer would, then measure.
        customers_typing(server.port, typed[:8], 4, 2)
        log(f"  {customers} customers typing at ZIP {ZIP}, {seconds:.0f} s, alone")
        alone = customers_typing(server.port, typed, customers, seconds)
        show(alone)
        log(f"  the same in lockstep: every customer searches at the same moment ({seconds:.0f} s)")
        lockstep = customers_typing(server.port, typed, customers, seconds, lockstep=True)
        show(lockstep)
        drafts = [prepare_draft(server.port, n) for n in range(16)]
        script = workdir / "mix.lua"
        write_mix_script(script, drafts)
        log(f"  the same while wrk runs the step mix at 16 connections ({seconds:.0f} s)")
        mix: dict[str, Any] = {}
        wrk = threading.Thread(target=lambda: mix.update(
            run_wrk(f"http://127.0.0.1:{server.port}/", int(seconds) + 2, script=script)))
        wrk.start()
        time.sleep(1)
        beside = customers_typing(server.port, typed, customers, seconds)
        wrk.join()
        show(beside)
        log(f"  step mix meanwhile: {mix['rps']:.0f} req/s, p50 {mix['p50_ms']:.1f} ms, p99 {mix['p99_ms']:.1f} ms")
    finally:
        server.stop()
    return {"import_s": imported_s, "alone": alone, "lockstep": lockstep, "beside_mix": beside, "mix": mix}


def show(r: dict[str, Any]) -> None:
    log(f"    {r['searches']:,} searches ({r['rps']:.0f}/s): p50 {r['p50_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, "
        f"p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms; addresses typed in full and offered "
        f"{r['found']}, not offered {r['not_found']}; errors {len(r['errors'])} {r['errors'][:2]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=8_000_000, help="premises in the generated FULL extract")
    parser.add_argument("--extract", type=Path, help="use this extract instead of generating one")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "premise-bench",
                        help="where the generated extract is written once and reused (as bench/premise_import.py)")
    parser.add_argument("--customers", type=int, default=16, help="customers typing at once (default 16)")
    parser.add_argument("--seconds", type=float, default=20, help="each measurement (default 20)")
    parser.add_argument("--only", choices=("postgresql", "sqlite"), help="one database only")
    parser.add_argument("--imported", metavar="DATABASE_URL",
                        help="measure this database, which holds an imported extract already (no import; "
                             "e.g. to measure again after a change), instead of new ones")
    args = parser.parse_args()
    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if not admin_url and args.only != "sqlite" and not args.imported:
        log("TEST_POSTGRES_URL is not set: run bench/run.sh, which starts a throwaway PostgreSQL.")
        return 2

    from cryptography.fernet import Fernet

    workdir = Path(tempfile.mkdtemp(prefix="wizard-bench-premises."))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AUTO_MIGRATE", "DATABASE_URL")}
    env.update({"SECRET_KEY": secrets.token_urlsafe(48), "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "BILLING_DRAIN_IN_PROCESS": "0", "INSTANCE_PATH": str(workdir / "instance"),
                "BILLING_DROP_DIR": str(workdir / "billing-drop"), "PYTHONUNBUFFERED": "1",
                "ALLOW_INSECURE_HTTP": "1", "LOOKUP_RATE_LIMIT": "100000 per minute",
                "PREMISE_SEARCH_RATE_LIMIT": "1000000 per minute", "AVAILABILITY_RATE_LIMIT": "100000 per minute"})
    dbname = f"wizard_bench_premises_{secrets.token_hex(3)}"
    results: dict[str, Any] = {}
    try:
        if args.imported:
            kind = "sqlite" if args.imported.startswith("sqlite") else "postgresql"
            results[kind] = one_database(kind, args.imported, None, env, workdir, args.customers, args.seconds)
            args.only = "none"
        extract = None if args.imported else args.extract or generate(args.rows, args.folder)
        if args.only not in ("sqlite", "none"):
            dsn = create_database(admin_url, dbname)
            results["postgresql"] = one_database("postgresql", dsn, extract, env, workdir, args.customers,
                                                 args.seconds)
        if args.only not in ("postgresql", "none"):
            results["sqlite"] = one_database("sqlite", f"sqlite:///{workdir / 'wizard.db'}", extract, env, workdir,
                                             args.customers, args.seconds)
        log("\n== Summary (markdown)")
        log("| Database | Import (FULL) | Lookup p50 / p99 alone | p50 / p99 in lockstep "
            "| p50 / p99 beside the step mix | Target p99 |")
        log("|---|---|---|---|---|---|")
        for kind, r in results.items():
            a, lock, b = r["alone"], r["lockstep"], r["beside_mix"]
            met = "met" if a["p99_ms"] <= TARGETS_MS[kind] else "MISSED"
            imported = "–" if r["import_s"] is None else f"{r['import_s']:.0f} s"
            log(f"| {kind} | {imported} | {a['p50_ms']:.1f} / {a['p99_ms']:.1f} ms | "
                f"{lock['p50_ms']:.1f} / {lock['p99_ms']:.1f} ms | "
                f"{b['p50_ms']:.1f} / {b['p99_ms']:.1f} ms | < {TARGETS_MS[kind]:.0f} ms ({met}) |")
        return 0
    except BenchError as exc:
        log(f"\nBENCHMARK ERROR: {exc}")
        for server in list(Server.running):
            log(f"--- last lines of {server.log_path.name}:\n{server.log_tail()}")
        return 1
    finally:
        for server in list(Server.running):
            server.stop()
        if admin_url and not args.imported and args.only != "sqlite":
            drop_database(admin_url, dbname)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
