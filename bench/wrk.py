"""wrk as the benchmarks run it: its figures, the CPU each process spent per request, the median of rounds."""
from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Optional

from bench.common import CONNECTIONS, BenchError
from bench.servers import machine_busy_seconds

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(url: str, seconds: int, script: Optional[Path] = None, headers: tuple[str, ...] = (),
            cpu: Optional[Callable[[], dict[str, float]]] = None) -> dict[str, Any]:
    """wrk's figures; with `cpu` (name -> CPU seconds so far), the CPU of each per request, wrk's too."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for header in headers:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    cpu_before = cpu() if cpu else {}
    busy_before = machine_busy_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after = machine_busy_seconds()
    cpu_after = cpu() if cpu else {}
    if out.returncode != 0:
        raise BenchError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    text = out.stdout
    result: dict[str, Any] = {"raw": text}
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    result["requests"] = int(re.search(r"(\d+) requests in", text).group(1))
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        result[f"p{pct}_ms"] = _ms(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non_2xx_3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    result["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True)) if m else {}
    result["statuses"] = {int(k): int(v) for k, v in re.findall(r"^status (\d+) (\d+)$", text, re.M)}
    if cpu:
        n = result["requests"]
        ms = {name: 1000 * (cpu_after[name] - cpu_before[name]) / n for name in cpu_before}
        ms["wrk"] = 1000 * (children_after.ru_utime + children_after.ru_stime
                            - children_before.ru_utime - children_before.ru_stime) / n
        ms["machine"] = 1000 * wall * (os.cpu_count() or 1) / n
        # Whatever else ran on the machine meanwhile (other users' processes, this script's threads).
        ms["other"] = 1000 * (busy_after - busy_before) / n - sum(ms[k] for k in cpu_before) - ms["wrk"]
        ms["idle"] = ms["machine"] - 1000 * (busy_after - busy_before) / n
        result["cpu_ms"] = ms
        result["other_share"] = ms["other"] / ms["machine"]
    return result


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of several wrk runs (sums for counts, the worst for the share of other processes)."""
    out: dict[str, Any] = {k: statistics.median(r[k] for r in runs)
                           for k in ("rps", "p50_ms", "p75_ms", "p90_ms", "p99_ms")}
    for k in ("requests", "non_2xx_3xx", "recycled"):
        out[k] = sum(r[k] for r in runs)
    out["socket_errors"] = {k: sum(r["socket_errors"].get(k, 0) for r in runs) for k in runs[0]["socket_errors"]}
    out["statuses"] = {}
    for r in runs:
        for code, n in r["statuses"].items():
            out["statuses"][code] = out["statuses"].get(code, 0) + n
    out["cpu_ms"] = {k: statistics.median(r["cpu_ms"][k] for r in runs) for k in runs[0]["cpu_ms"]}
    out["other_share"] = max(r["other_share"] for r in runs)
    out["rounds"] = [{k: r[k] for k in ("rps", "p50_ms", "p99_ms", "other_share", "recycled")} for r in runs]
    return out
