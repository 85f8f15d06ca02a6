"""Benchmark: import a statewide ERCOT extract (bench/premise_extract.py) on PostgreSQL and SQLite.

    TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres python3 bench/premise_import.py
    bench/premise_import.sh            # the same on a throwaway PostgreSQL (scripts/services.sh)

On each database, a fresh one migrated as the embedded default does (the 172 demo premises
loaded), times through `wizard.premises.importer` exactly as the command line runs it:

1. the FULL file (default 8,000,000 premises) into the empty table: every premise new;
2. the same FULL file again: nothing changes (the monthly FULL is mostly this);
3. a daily file of 50,000 premises (70 % changed, 30 % new).

While 1 and 2 run on PostgreSQL, another process does a customer's address lookup (the
(zip, address_key) index range the wizard reads) every 20 ms and records how long each took: the
import must not block them (on 2 cores they do compete with it for the CPU). Targets: FULL 8M on PostgreSQL under 4 minutes, daily 50k under 10 s. Prints figures;
asserts nothing. Files are written once into --folder and reused.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

import sqlalchemy as sa
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import premise_extract  # noqa: E402
from tests.postgres import fresh_database  # noqa: E402
from wizard import create_app  # noqa: E402
from wizard.core.extensions import db  # noqa: E402
from wizard.premises import importer  # noqa: E402
from wizard.premises.models import PremiseImport  # noqa: E402

TARGETS = {"full": 240.0, "daily": 10.0}


def log(text: str = "") -> None:
    print(text, flush=True)


def files(folder: Path, rows: int, daily: int, seed: int) -> tuple[Path, Path]:
    """The FULL and daily files, written once."""
    full = folder / f"TDSP_ESIID_Extract_STATEWIDE_FUL_{rows}_s{seed}.csv"
    changes = folder / f"TDSP_ESIID_Extract_STATEWIDE_DAILY_{rows}_{daily}_s{seed}.csv"
    folder.mkdir(parents=True, exist_ok=True)
    if not full.exists():
        log(f"Writing {full} ...")
        started = time.perf_counter()
        premise_extract.write(full, premise_extract.full_rows(seed, rows))
        log(f"  {full.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.0f} s")
    if not changes.exists():
        premise_extract.write(changes, premise_extract.daily_rows(seed, rows, daily))
    return full, changes


LOOKUP = ("SELECT esi_id, address FROM premise WHERE zip = %(zip)s AND address_key >= %(prefix)s "
          "AND address_key < %(prefix)s || '~' ORDER BY address_key LIMIT 8")


def probe_lookups(url: str, stop: Any, out: Any) -> None:
    """In its own process (the import's parsing would hold this one's GIL): a customer's address
    lookup every 20 ms, each timed, sent back when stopped."""
    import psycopg

    times, n = [], 0
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        while not stop.wait(0.02):
            started = time.perf_counter()
            conn.execute(LOOKUP, {"zip": premise_extract.ZIPS[n % 5][n % 50], "prefix": f"{100 + n % 900}"}).fetchall()
            times.append((time.perf_counter() - started) * 1000)
            n += 1
    out.send(times)


class Lookups:
    """The lookup probe's process, started and stopped around an import."""

    def __init__(self, url: str):
        context = multiprocessing.get_context("spawn")
        self.stop, (self.receive, send) = context.Event(), context.Pipe(duplex=False)
        self.process = context.Process(target=probe_lookups, args=(url, self.stop, send), daemon=True)
        self.process.start()

    def finish(self) -> list[float]:
        self.stop.set()
        times = self.receive.recv()
        self.process.join()
        return times


def timed(label: str, app, path: Path, lookups: bool = False) -> tuple[float, PremiseImport]:
    """Import `path` as the command line does; print the time, the summary and the lookups' waits."""
    probe = Lookups(app.config["DATABASE_URL"]) if lookups else None
    tenths, read = [0], [0.0]

    def progress(record: PremiseImport) -> None:
        if record.status == "running" and record.bytes_total and record.bytes_read * 10 // record.bytes_total > tenths[0]:
            tenths[0] = record.bytes_read * 10 // record.bytes_total
            log(f"    {tenths[0] * 10}% read after {time.perf_counter() - started:.0f} s")
        if record.message.startswith("File read"):  # then only the end: duplicates, removals, commit
            read[0] = time.perf_counter() - started

    started = time.perf_counter()
    record = importer.import_file(db.sessionmaker(app), path, source="cli", listener=progress)
    seconds = time.perf_counter() - started
    times = sorted(probe.finish()) if probe else []
    log(f"  {label}: {seconds:.1f} s ({record.rows_read / seconds:,.0f} rows/s; file read and merged by "
        f"{read[0]:.1f} s, then {seconds - read[0]:.1f} s to finish) - {record.status}: {record.message}")
    if len(times) > 10:
        log(f"    {len(times)} address lookups meanwhile: p50 {statistics.median(times):.1f} ms, "
            f"p99 {times[int(len(times) * 0.99)]:.1f} ms, worst {times[-1]:.1f} ms")
    return seconds, record


def run_on(url: str, name: str, full: Path, daily: Path, lookups: bool) -> dict[str, float]:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "DATABASE_URL": url, "AUTO_MIGRATE": True, "RATELIMIT_ENABLED": False})
    log(f"\n== {name}")
    try:
        first, _ = timed("FULL, first load", app, full, lookups)
        again, _ = timed("FULL, same file again", app, full, lookups)
        changes, _ = timed("daily", app, daily)
        return {"full": first, "full_again": again, "daily": changes}
    finally:
        db.engine(app).dispose()


def describe_machine(pg_url: Optional[str]) -> None:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    log(f"Machine: {os.cpu_count()} x {cpu}, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB, "
        f"Python {platform.python_version()}")
    if pg_url:
        engine = sa.create_engine(pg_url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
            settings = {s: conn.exec_driver_sql(f"SHOW {s}").scalar()
                        for s in ("shared_buffers", "max_wal_size", "work_mem", "fsync", "full_page_writes")}
        engine.dispose()
        log(f"PostgreSQL {version}: " + ", ".join(f"{k}={v}" for k, v in settings.items()))


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=8_000_000, help="premises in the FULL file")
    parser.add_argument("--daily", type=int, default=50_000, help="premises in the daily file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "premise-bench",
                        help="where the files are written (and reused)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args(argv)
    full, daily = files(args.folder, args.rows, args.daily, args.seed)
    server = os.environ.get("TEST_POSTGRES_URL")
    describe_machine(server if not args.skip_postgres else None)
    results: dict[str, dict[str, float]] = {}
    if not args.skip_postgres:
        with fresh_database("bench_premises") as url:
            results["PostgreSQL"] = run_on(url, "PostgreSQL", full, daily, lookups=True)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="premise-bench-") as folder:
            results["SQLite"] = run_on(f"sqlite:///{folder}/wizard.db", "SQLite", full, daily, lookups=False)
    log(f"\nPeak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    log(f"\n| database | FULL {args.rows:,}, first load | same FULL again | daily {args.daily:,} |")
    log("|---|---|---|---|")
    verdict: Callable[[float, str], str] = lambda s, k: "met" if s < TARGETS[k] else "MISSED"  # noqa: E731
    for name, r in results.items():
        target = f" ({verdict(r['full'], 'full')})" if name == "PostgreSQL" else ""
        log(f"| {name} | {r['full']:.1f} s{target} | {r['full_again']:.1f} s | {r['daily']:.1f} s"
            f"{' (' + verdict(r['daily'], 'daily') + ')' if name == 'PostgreSQL' else ''} |")


if __name__ == "__main__":
    main()
