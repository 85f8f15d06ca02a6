"""What run.py prints around the benchmarks: the machine it ran on and the summary table of figures and targets."""
from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

from bench import bytes_served, enrollments, memory, purge, throughput
from bench.common import log


def machine(dsn: str) -> dict[str, str]:
    import psycopg

    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    with psycopg.connect(dsn) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    versions = {name: importlib.metadata.version(name)
                for name in ("gunicorn", "flask", "sqlalchemy", "psycopg", "argon2-cffi")}
    return {"nproc": str(os.cpu_count()), "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "cpu": cpu.group(1).strip() if cpu else platform.processor(),
            "kernel": platform.release(), "python": platform.python_version(), "postgresql": pg,
            "wrk": re.sub(r"\s+Copyright.*", "", wrk),
            "load before": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            **versions}


def report(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """One row for each figure that has a target (or is worth comparing), in the order of the benchmarks."""
    rows = []
    tp = r.get("throughput")
    if tp:
        rows += throughput.summary_rows(tp)
    en = r.get("enrollments")
    if en:
        rows += enrollments.summary_rows(en, r["hashing"])
    by = r.get("bytes")
    if by:
        rows += bytes_served.summary_rows(by)
    pu = r.get("purge")
    if pu:
        rows += purge.summary_rows(pu)
    me = r.get("memory")
    if me:
        rows += memory.summary_rows(me)
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    log("| figure | measured | target | |")
    log("|---|---|---|---|")
    for row in rows:
        log("| " + " | ".join(row) + " |")
