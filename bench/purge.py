"""Benchmark 4: the purge of expired drafts, and how long wizard requests wait while it runs."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any, Optional

from bench.common import ROOT, STOP, TARGETS, BenchError, log, verdict
from bench.http_client import Client
from bench.memory import MemorySampler
from bench.servers import Server


class LatencyProbe(threading.Thread):
    """One client doing wizard requests back to back on prepared drafts; records each wait."""

    def __init__(self, port: int, drafts: list[tuple[str, str]], limit_s: float, limit_count: int = 200_000):
        super().__init__(daemon=True)
        self.port, self.drafts, self.limit_s, self.limit_count = port, drafts, limit_s, limit_count
        self.waits: list[float] = []
        self.samples: list[tuple[float, float, str]] = []  # (time.monotonic() at start, seconds, request)
        self.bad: dict[int, int] = {}
        self.error: Optional[BaseException] = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            deadline = time.monotonic() + self.limit_s
            n = 0
            while (not self._stop_event.is_set() and not STOP.is_set() and time.monotonic() < deadline
                   and n < self.limit_count):
                cookie, token = self.drafts[n % len(self.drafts)]
                client = Client(self.port, timeout=30)
                client.cookies["signup"] = cookie.split("=", 1)[1]
                kind = (n // len(self.drafts)) % 3
                started = time.monotonic()
                if kind == 0:
                    resp, ok = client.get("/signup/plans"), 200
                elif kind == 1:
                    resp, ok = client.get("/signup/referral"), 200
                else:
                    resp, ok = client.post("/signup/referral", {"referral": "friend", "csrf_token": token}), 303
                if resp.status != ok:
                    self.bad[resp.status] = self.bad.get(resp.status, 0) + 1
                self.waits.append(resp.elapsed)
                self.samples.append((started, resp.elapsed, f"{resp.method} {resp.path}"))
                n += 1
        except BaseException as exc:  # reported by the caller
            self.error = exc

    def stop(self) -> dict[str, Any]:
        self._stop_event.set()
        self.join(60)
        if self.error:
            raise BenchError(f"latency probe failed: {self.error!r}")
        waits = sorted(self.waits)
        if not waits:
            raise BenchError("the latency probe made no request")
        return {"requests": len(waits), "max_ms": 1000 * waits[-1],
                "p50_ms": 1000 * waits[len(waits) // 2], "p99_ms": 1000 * waits[max(0, int(len(waits) * 0.99) - 1)],
                "unexpected": self.bad, "slowest": sorted(self.samples, key=lambda x: -x[1])[:3]}


def bench_purge(wizard: Server, env: dict[str, str], dsn: str, drafts: list[tuple[str, str]], rows: int,
                limit_s: float) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        live_before = conn.execute("SELECT count(*) FROM draft").fetchone()[0]
        t0 = time.perf_counter()
        conn.execute(
            "INSERT INTO draft (id, answers, created_at, updated_at, expires_at) "
            "SELECT 'bench-expired-' || g, '{}'::json, ts - interval '72 hours', ts - interval '72 hours', ts "
            "FROM (SELECT g, (now() AT TIME ZONE 'utc') - interval '1 hour' - g * interval '1 second' AS ts "
            "      FROM generate_series(1, %s) AS g) AS s", (rows,))
        conn.execute("ANALYZE draft")
        insert_s = time.perf_counter() - t0
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('draft'))").fetchone()[0]
    log(f"  inserted {rows:,} expired drafts in {insert_s:.1f} s (table with indexes: {size})")

    baseline = LatencyProbe(wizard.port, drafts, limit_s=3)
    baseline.start()
    time.sleep(3)
    idle = baseline.stop()

    probe = LatencyProbe(wizard.port, drafts, limit_s=limit_s + 30)
    watcher = MemorySampler(wizard, interval=0.05)  # notices workers recycled by max_requests
    watcher.start()
    known = set(wizard.workers())
    probe.start()
    t0 = time.perf_counter()
    finished, output = True, ""
    try:
        out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "drafts", "purge"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=limit_s, stdin=subprocess.DEVNULL)
        output = (out.stdout + out.stderr).strip()
        if out.returncode != 0:
            raise BenchError(f"drafts purge failed ({out.returncode}): {output}")
    except subprocess.TimeoutExpired:
        finished = False  # subprocess.run has killed it
    purge_s = time.perf_counter() - t0
    during = probe.stop()
    watcher.stop()
    boots = {pid: at for pid, at in watcher.first_seen.items() if pid not in known}
    during["recycled"] = len(boots)
    # Each of the slowest requests: was a worker booting (recycled by max_requests: the new one imports
    # the app for about a second) while it waited?
    during["slowest"] = [
        {"request": what, "ms": 1000 * took, "at_s": start - probe.samples[0][0],
         "worker_booted": any(at - 0.1 <= start + took and start <= at + 1.5 for at in boots.values())}
        for start, took, what in during["slowest"]]
    with psycopg.connect(dsn, autocommit=True) as conn:
        left = conn.execute("SELECT count(*) FROM draft WHERE id LIKE 'bench-expired-%%'").fetchone()[0]
        live_after = conn.execute("SELECT count(*) FROM draft WHERE id NOT LIKE 'bench-expired-%%'").fetchone()[0]
    return {"rows": rows, "insert_s": insert_s, "purge_s": purge_s, "finished": finished, "output": output,
            "left": left, "live_before": live_before, "live_after": live_after, "idle": idle, "during": during,
            "limit_s": limit_s}


def show(pu: dict[str, Any]) -> None:
    if pu["finished"]:
        log(f"  purge: {pu['purge_s']:.1f} s ({pu['output']}) (target <= 60 s)")
    else:
        log(f"  purge: NOT finished after {pu['limit_s']:.0f} s, stopped; {pu['left']:,} expired drafts left")
    log(f"  live drafts: {pu['live_before']} before, {pu['live_after']} after (must be equal)")
    for name in ("idle", "during"):
        x = pu[name]
        log(f"  wizard requests {'during the purge' if name == 'during' else 'before it (3 s)':17}: "
            f"{x['requests']} requests, p50 {x['p50_ms']:.1f} ms, p99 {x['p99_ms']:.1f} ms, "
            f"longest {x['max_ms']:.1f} ms" + (f", unexpected statuses {x['unexpected']}" if x["unexpected"] else ""))
    log(f"  workers recycled by max_requests during the purge: {pu['during']['recycled']}; slowest requests: "
        + "; ".join(f"{s['request']} {s['ms']:.0f} ms at {s['at_s']:.1f} s"
                    + (" (while a recycled worker booted)" if s["worker_booted"] else "")
                    for s in pu["during"]["slowest"]))
    log(f"  longest wait during the purge {pu['during']['max_ms']:.0f} ms (target <= 100 ms)")


def summary_rows(pu: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    took = f"{pu['purge_s']:.1f} s" if pu["finished"] else f"not finished after {pu['limit_s']:.0f} s ({pu['left']:,} left)"
    rows.append((f"Purge of {pu['rows']:,} expired drafts", took, "<= 60 s",
                 verdict(pu["finished"] and pu["purge_s"] <= TARGETS["purge_s"])))
    rows.append(("Longest wizard request during the purge",
                 f"{pu['during']['max_ms']:.0f} ms ({pu['during']['requests']} requests; "
                 f"{pu['idle']['max_ms']:.0f} ms without purge)", "<= 100 ms",
                 verdict(pu["during"]["max_ms"] <= TARGETS["purge_wait_ms"])))
    return rows
