"""Benchmark: the Sales Importer on 10,000 sales (every 50th with a mistake), SQLite and PostgreSQL.

    python3 bench/sales_import.py [--rows 10000] [--bad-every 50] [--only sqlite|postgresql]

On each database, a fresh one migrated as the embedded default does (demo catalog and premises),
times the importer exactly as the admin runs it, minus HTTP and the thread: the file read and kept
(`columns.read`, `runner.begin`), every row checked (`runner.check`: the enrollment service's
`check`), then the valid rows imported one by one (`runner.run_import`, valid rows only: one
transaction per sale, as `service.enroll` makes it), and the same file checked again (every sale
already imported). PostgreSQL needs TEST_POSTGRES_URL (scripts/services.sh starts one). Prints
rows per second; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from billing.models import Enrollment  # noqa: E402
from tests.postgres import fresh_database  # noqa: E402
from wizard import create_app  # noqa: E402
from wizard.app import stop_background  # noqa: E402
from wizard.core.extensions import db  # noqa: E402
from wizard.sales_import import columns, runner, sample_files  # noqa: E402
from wizard.sales_import.models import SalesImport  # noqa: E402


def log(text: str = "") -> None:
    print(text, flush=True)


def measure(database_url: str, folder: Path, data: bytes, rows: int) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "DATABASE_URL": database_url, "AUTO_MIGRATE": True, "MAIL_TRANSPORT": "file",
                      "MAIL_DIR": str(folder / "mail"), "BILLING_DROP_DIR": str(folder / "drop"),
                      "SALES_IMPORT_MAX_ROWS": max(rows, 50_000),
                      "SITE_URL": "http://127.0.0.1:5000"})  # emailed links, outside a request
    name = app.config["DATABASE_URL"].split(":", 1)[0].split("+", 1)[0]
    try:
        for attempt in ("first", "again"):
            started = time.perf_counter()
            sheet = columns.read(data, app.config["SALES_IMPORT_MAX_ROWS"])
            import_id = runner.begin(app, "bench.csv", "web", "bench@example.com", sheet)
            read = time.perf_counter() - started
            started = time.perf_counter()
            runner.check(app, import_id)
            checked = time.perf_counter() - started
            with db.sessionmaker(app)() as session:
                record = session.get(SalesImport, import_id)
                ready = record.rows_total - record.rows_invalid - record.rows_already
                log(f"{name:>10} {attempt}: read {read:.2f} s; checked {rows:,} rows in {checked:.1f} s "
                    f"({rows / checked:,.0f} rows/s): {record.message}")
            if not ready:
                continue
            runner.claim(app, import_id, "valid", "bench@example.com")
            started = time.perf_counter()
            runner.run_import(app, import_id, "bench@example.com", None)
            took = time.perf_counter() - started
            with db.sessionmaker(app)() as session:
                record = session.get(SalesImport, import_id)
                made = session.scalar(select(func.count()).select_from(Enrollment))
            log(f"{name:>10} {attempt}: imported {record.rows_imported:,} rows in {took:.1f} s "
                f"({record.rows_imported / took:,.0f} rows/s): {record.message} ({made:,} enrollments stored)")
    finally:
        stop_background(app)
        db.engine(app).dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--bad-every", type=int, default=50)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = sample_files.write(folder / "sales.csv", sample_files.rows(args.rows, bad_every=args.bad_every))
        data = path.read_bytes()
        log(f"{args.rows:,} sales, {len(sample_files.bad_lines(args.rows, args.bad_every)):,} with a mistake, "
            f"{len(data) / 1e6:.1f} MB; {os.cpu_count()} CPUs")
        if args.only != "postgresql":
            measure(f"sqlite:///{folder / 'bench.db'}", folder / "sqlite", data, args.rows)
        if args.only != "sqlite":
            if not os.environ.get("TEST_POSTGRES_URL"):
                log("postgresql: skipped (set TEST_POSTGRES_URL, or run scripts/services.sh)")
                return
            with fresh_database("bench_sales") as url:
                measure(url, folder / "postgresql", data, args.rows)


if __name__ == "__main__":
    main()
