"""What every benchmark of run.py shares: the targets, connection and worker counts, the stop flag, errors, log."""
from __future__ import annotations

import os
import threading
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TARGETS = {
    "throughput_ratio": 1 / 3,      # wizard step mix / bare route, requests per second
    "p99_ms": 50.0,                 # wizard step mix, 99th percentile latency
    "first_page_kb": 50.0,          # HTML + CSS + JS + icon, gzip as served
    "swap_kb": 6.0,                 # each htmx step partial, gzip as served
    "purge_s": 60.0,                # 1,000,000 expired drafts
    "purge_wait_ms": 100.0,         # longest wizard request while the purge runs
    "worker_mb": 80.0,              # VmHWM of each worker
}
KB = 1000  # kilobytes of the targets: 1,000 bytes

CONNECTIONS = 16
WORKERS = 2
STOP = threading.Event()  # set on SIGTERM/SIGINT: the load loops end at once
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A benchmark could not run as designed (the app answered something unexpected)."""


def log(msg: str = "") -> None:
    print(msg, flush=True)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def create_database(admin_url: str, name: str) -> str:
    """Create database `name` on the PostgreSQL server of `admin_url`; answer its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` (its connections closed); a failure is said, not raised: the server
    is a throwaway one anyway."""
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception as exc:  # noqa: BLE001
        log(f"(could not drop {name}: {exc})")
