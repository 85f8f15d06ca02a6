"""Benchmark 2: full enrollments per second, ZIP to confirmation, and the share of password hashing in them."""
from __future__ import annotations

import concurrent.futures
import os
import resource
import statistics
import threading
import time
from typing import Any, Optional

from bench.common import STOP, BenchError, log
from bench.http_client import Client, Resp
from bench.servers import Server, machine_busy_seconds, tree_cpu_seconds
from bench.wizard_walk import answers_for, submit, walk


def bench_enrollments(wizard: Server, clients: int, seconds: float, max_enrollments: int,
                      run_id: str, pg_pid: Optional[int]) -> dict[str, Any]:
    """Several clients each walking the whole wizard again and again, for a bounded time and count."""
    lock = threading.Lock()
    done: list[float] = []
    steps: dict[str, list[float]] = {}
    counter = iter(range(10 ** 9))
    deadline = time.monotonic() + seconds

    def record(slug: str, resp: Resp) -> None:
        with lock:
            steps.setdefault(slug, []).append(resp.elapsed)

    def one_client(k: int) -> int:
        made = 0
        while time.monotonic() < deadline and not STOP.is_set():
            with lock:
                if len(done) >= max_enrollments:
                    break
                n = next(counter)
            started = time.perf_counter()
            client = Client(wizard.port)
            review = walk(client, answers_for(f"bench.{run_id}.{n}"), on_post=record)
            posted, _ = submit(client, review)
            record("review", posted)
            with lock:
                done.append(time.perf_counter() - started)
            made += 1
        return made

    cpu_before = wizard.cpu_seconds()
    pg_before = tree_cpu_seconds(pg_pid) if pg_pid else 0.0
    me_before = resource.getrusage(resource.RUSAGE_SELF)
    busy_before = machine_busy_seconds()
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one_client, range(clients)))
    elapsed = time.perf_counter() - started
    cpu = wizard.cpu_seconds() - cpu_before
    pg = (tree_cpu_seconds(pg_pid) - pg_before) if pg_pid else 0.0
    me_after = resource.getrusage(resource.RUSAGE_SELF)
    busy = machine_busy_seconds() - busy_before
    me = me_after.ru_utime + me_after.ru_stime - me_before.ru_utime - me_before.ru_stime
    count = len(done)
    if not count:
        raise BenchError("no enrollment finished in time")
    return {"clients": clients, "enrollments": count, "elapsed_s": elapsed,
            "per_second": count / elapsed, "walk_mean_s": statistics.fmean(done),
            "walk_p50_s": statistics.median(done),
            "worker_cpu_ms_per_enrollment": 1000 * cpu / count,
            "postgresql_cpu_ms_per_enrollment": 1000 * pg / count,
            "client_cpu_ms_per_enrollment": 1000 * me / count,
            "other_cpu_ms_per_enrollment": 1000 * (busy - cpu - me - pg) / count,
            "machine_ms_per_enrollment": 1000 * elapsed * (os.cpu_count() or 1) / count,
            "post_mean_ms": {slug: 1000 * statistics.fmean(v) for slug, v in steps.items()}}


def show(en: dict[str, Any], h: dict[str, Any]) -> None:
    """The enrollment figures, and what argon2 (`h`, from bench.hashing) takes of each."""
    log(f"  {en['enrollments']} enrollments in {en['elapsed_s']:.1f} s = {en['per_second']:.1f} enrollments/s; "
        f"one walk (21 requests) {1000 * en['walk_mean_s']:.0f} ms mean, {1000 * en['walk_p50_s']:.0f} ms median")
    log(f"  CPU per enrollment: gunicorn workers {en['worker_cpu_ms_per_enrollment']:.0f} ms, PostgreSQL "
        f"{en['postgresql_cpu_ms_per_enrollment']:.0f} ms, the Python clients {en['client_cpu_ms_per_enrollment']:.0f} ms, "
        f"other processes {en['other_cpu_ms_per_enrollment']:.0f} ms; "
        "whole machine "
        f"({os.cpu_count()} cores x wall time / enrollments) {en['machine_ms_per_enrollment']:.0f} ms")
    log(f"  argon2id {h['profile']} (config.settings): {h['hash_ms']:.1f} ms a hash here = "
        f"{100 * h['hash_ms'] / en['worker_cpu_ms_per_enrollment']:.0f} % of the worker CPU of an enrollment, "
        f"{100 * h['hash_ms'] / en['machine_ms_per_enrollment']:.0f} % of the machine time; "
        f"password strength check (zxcvbn) {h['strength_check_ms']:.1f} ms")
    if en["other_cpu_ms_per_enrollment"] > 0.05 * en["machine_ms_per_enrollment"]:
        log(f"  WARNING: other processes used {100 * en['other_cpu_ms_per_enrollment'] / en['machine_ms_per_enrollment']:.0f} % "
            "of the machine meanwhile: the figures are lower than on a quiet machine.")
    log("  mean response time of each POST: " + ", ".join(
        f"{slug} {ms:.0f} ms" for slug, ms in en["post_mean_ms"].items()))


def summary_rows(en: dict[str, Any], h: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    rows.append(("Full enrollments, ZIP to confirmation",
                 f"{en['per_second']:.1f} /s ({en['clients']} clients, {en['enrollments']} enrollments; "
                 f"one walk {en['walk_mean_s'] * 1000:.0f} ms)", "(no target)", "-"))
    rows.append(("Password hashing share of an enrollment",
                 f"argon2id {h['profile']}: {h['hash_ms']:.1f} ms of {en['worker_cpu_ms_per_enrollment']:.0f} ms "
                 f"worker CPU = {100 * h['hash_ms'] / en['worker_cpu_ms_per_enrollment']:.0f} %",
                 "(no target)", "-"))
    return rows
