#!/usr/bin/env python3
"""The wizard's benchmarks: figures against targets, never pass/fail tests.

Run through `bench/run.sh`, which starts a throwaway PostgreSQL (TEST_POSTGRES_URL) and stops
everything afterwards. This script creates its own database in that server, migrates it the
production way (`flask --app wsgi db upgrade`), serves the wizard and a bare Flask route with
gunicorn and `config/gunicorn.conf.py` (2 sync workers), and measures:

1. step throughput and p50/p99 latency at 16 connections (wrk), beside the bare route;
2. full enrollments per second, ZIP to confirmation, and the share of password hashing;
3. the first page's bytes and each htmx step swap's bytes, gzip-compressed as served;
4. the purge of 1,000,000 expired drafts while a client keeps using the wizard;
5. peak memory (VmHWM) of each gunicorn worker under the load of 1 and 2.

Only 127.0.0.1 is contacted; every load loop is bounded in count and in time.
"""
# Each benchmark lives in its own module beside this one (throughput, enrollments, hashing,
# bytes_served, purge, memory), on what they share: common (targets, stop flag), http_client,
# servers (gunicorn, /proc), wrk and wizard_walk; report prints the machine and the summary table.
# This file only parses the command line, sets up the database and the servers, runs the
# benchmarks in order and cleans up.
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bytes_served, enrollments, hashing, memory, purge, throughput  # noqa: E402
from bench.common import CONNECTIONS, STOP, WORKERS, BenchError, create_database, drop_database, log  # noqa: E402
from bench.memory import MemorySampler  # noqa: E402
from bench.report import machine, print_table, report  # noqa: E402
from bench.servers import Server, postmaster_pid  # noqa: E402
from bench.wizard_walk import prepare_draft  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="wrk measurement per route (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="wrk warm-up per route (default 2)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved wrk rounds (bare, wizard, wizard htmx); medians are reported (default 3)")
    parser.add_argument("--drafts", type=int, default=32, help="prepared drafts for the wrk mix (default 32)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent enrollment clients (default 4)")
    parser.add_argument("--enroll-seconds", type=float, default=20, help="enrollment benchmark time (default 20)")
    parser.add_argument("--max-enrollments", type=int, default=500, help="enrollment benchmark cap (default 500)")
    parser.add_argument("--purge-rows", type=int, default=1_000_000, help="expired drafts to purge (default 1M)")
    parser.add_argument("--purge-limit", type=float, default=120, help="stop the purge after this long (s)")
    parser.add_argument("--gunicorn-arg", action="append", default=[], metavar="ARG",
                        help="extra gunicorn argument for both servers, to try a setting before changing "
                             "config/gunicorn.conf.py, e.g. --gunicorn-arg=--preload (repeatable)")
    parser.add_argument("--skip-purge", action="store_true", help="leave out benchmark 4 (the purge)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, wrk script)")
    args = parser.parse_args()

    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if not admin_url:
        log("TEST_POSTGRES_URL is not set: run bench/run.sh, which starts a throwaway PostgreSQL.")
        return 2
    if not shutil.which("wrk"):
        log("wrk is not installed: run bench/run.sh, which installs it.")
        return 2

    from cryptography.fernet import Fernet

    def on_term(signum: int, _frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the clean-up short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        STOP.set()
        log(f"\nStopped by signal {signum}: stopping the servers.")
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # also when started in the background (SIGINT ignored)

    workdir = Path(tempfile.mkdtemp(prefix="wizard-bench."))
    run_id = secrets.token_hex(3)
    dbname = f"wizard_bench_{run_id}"
    dsn = create_database(admin_url, dbname)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AUTO_MIGRATE", "MAX_REQUESTS")}
    env.update({"DATABASE_URL": dsn, "SECRET_KEY": secrets.token_urlsafe(48),
                "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "BILLING_DRAIN_IN_PROCESS": "0",
                "LOOKUP_RATE_LIMIT": "100000 per minute", "LOGIN_RATE_LIMIT": "100000 per minute",
                "INSTANCE_PATH": str(workdir / "instance"), "BILLING_DROP_DIR": str(workdir / "billing-drop"),
                "AVAILABILITY_RATE_LIMIT": "100000 per minute",
                "PYTHONUNBUFFERED": "1", "ALLOW_INSECURE_HTTP": "1"})  # plain http on 127.0.0.1
    results: dict[str, Any] = {}
    try:
        m = results["machine"] = machine(dsn)
        log("== Machine")
        for key, value in m.items():
            log(f"  {key:12} {value}")
        log(f"  gunicorn     config/gunicorn.conf.py, {WORKERS} sync workers; PostgreSQL from scripts/services.sh "
            "(fsync=off, synchronous_commit=off)")

        log("\n== Setup: flask --app wsgi db upgrade")
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise BenchError(f"db upgrade failed: {out.stdout}{out.stderr}")
        log("  " + out.stdout.strip().splitlines()[-1])

        extra = tuple(args.gunicorn_arg)
        if extra:
            log(f"  extra gunicorn arguments for both servers: {' '.join(extra)}")
        bare = Server("bare", "bare:app", env, workdir, extra=("--pythonpath", "bench", *extra)).start("/")
        wizard = Server("wizard", "wsgi:app", env, workdir, extra=extra).start("/healthz")
        pg_pid = postmaster_pid(dsn)
        sampler = MemorySampler(wizard)
        phases = {"after start (idle)": sampler.sample()}
        sampler.start()

        log(f"\n== 1. Step throughput and latency, wrk -t2 -c{CONNECTIONS} --latency")
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            drafts = list(pool.map(lambda n: prepare_draft(wizard.port, n), range(args.drafts)))
        log(f"  prepared {len(drafts)} drafts at the referral step in {time.perf_counter() - t0:.1f} s "
            "(mix: GET /signup/plans, GET /signup/referral, POST /signup/referral, one third each)")
        tp = results["throughput"] = throughput.bench_throughput(bare, wizard, drafts, workdir, args.seconds,
                                                                 args.warmup, args.rounds, pg_pid)
        phases["after 1"] = sampler.sample()
        throughput.show(tp, args.rounds)

        log(f"\n== 2. Full enrollments, ZIP to confirmation ({args.clients} clients, "
            f"{args.enroll_seconds:.0f} s or {args.max_enrollments} enrollments)")
        h = results["hashing"] = hashing.bench_hashing()
        en = results["enrollments"] = enrollments.bench_enrollments(wizard, args.clients, args.enroll_seconds,
                                                                    args.max_enrollments, run_id, pg_pid)
        sampler.stop()
        phases["after 2"] = sampler.sample()
        enrollments.show(en, h)

        log("\n== 5. Peak memory per worker (sampled every 0.2 s during 1 and 2; VmHWM is the kernel's own peak)")
        me = results["memory"] = memory.summarize(sampler, phases)
        memory.show(me)

        log("\n== 3. Bytes as served (gzip)")
        by = results["bytes"] = bytes_served.bench_bytes(wizard, run_id)
        bytes_served.show(by)

        if not args.skip_purge:
            log(f"\n== 4. Purge of {args.purge_rows:,} expired drafts (flask --app wsgi drafts purge) "
                "while a client uses the wizard")
            pu = results["purge"] = purge.bench_purge(wizard, env, dsn, drafts, args.purge_rows, args.purge_limit)
            purge.show(pu)

        log("\n== Summary (markdown)")
        print_table(report(results))
        if args.json:
            slim = json.loads(json.dumps(results, default=str))
            slim["throughput"].pop("raw", None)
            args.json.write_text(json.dumps(slim, indent=2))
            log(f"\nFigures written to {args.json}")
        return 0
    except BenchError as exc:
        log(f"\nBENCHMARK ERROR: {exc}")
        for server in list(Server.running):
            log(f"--- last lines of {server.log_path.name}:\n{server.log_tail()}")
        return 1
    finally:
        for server in list(Server.running):
            server.stop()
        drop_database(admin_url, dbname)
        if args.keep:
            log(f"Work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
