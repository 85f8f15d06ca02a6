"""Benchmark 5: the memory of each gunicorn worker, sampled from /proc while the others run."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import TARGETS, log, verdict
from bench.servers import Server, proc_status_kb


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS (/proc/PID/status), Pss and private memory (/proc/PID/smaps_rollup), in kB."""
    out = {"hwm": proc_status_kb(pid, "VmHWM") or 0, "rss": proc_status_kb(pid, "VmRSS") or 0}
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        fields = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
        out["pss"] = fields.get("Pss", 0)
        out["uss"] = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


class MemorySampler(threading.Thread):
    """Samples the memory of every worker of `server` until stopped; keeps each pid's peaks."""

    def __init__(self, server: Server, interval: float = 0.2):
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.peak: dict[int, dict[str, int]] = {}
        self.first_seen: dict[int, float] = {}  # pid -> time.monotonic() when first seen
        self._stop_event = threading.Event()

    def sample(self) -> dict[int, dict[str, int]]:
        now = {pid: memory_kb(pid) for pid in self.server.workers()}
        for pid in now:
            self.first_seen.setdefault(pid, time.monotonic())
        for pid, mem in now.items():
            if mem["hwm"]:
                peak = self.peak.setdefault(pid, {})
                for key, kb in mem.items():
                    peak[key] = max(kb, peak.get(key, 0))
        return now

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)
        self.sample()


def summarize(sampler: MemorySampler, phases: dict[str, dict[int, dict[str, int]]]) -> dict[str, Any]:
    """The peaks of every worker the sampler saw, with the snapshots taken between benchmarks."""
    peak = sampler.peak
    return {"per_worker_kb": {pid: m["hwm"] for pid, m in peak.items()},
            "peak": peak, "phases": phases, "max_kb": max(m["hwm"] for m in peak.values())}


def show(me: dict[str, Any]) -> None:
    peak, phases = me["peak"], me["phases"]
    log("  MiB               VmHWM  VmRSS    Pss  private (Pss and private: highest sample)")
    for pid, mem in sorted(peak.items()):
        state = "running" if pid in phases["after 2"] else "recycled"
        log(f"  worker {pid:<8}{mem['hwm'] / 1024:7.1f}{mem['rss'] / 1024:7.1f}{mem.get('pss', 0) / 1024:7.1f}"
            f"{mem.get('uss', 0) / 1024:9.1f}  ({state})")
    for label, snap in phases.items():
        log(f"  {label:20} VmHWM " + ", ".join(f"{m['hwm'] / 1024:.1f}" for m in snap.values())
            + "; private " + ", ".join(f"{m.get('uss', 0) / 1024:.1f}" for m in snap.values()) + " MiB")
    log(f"  max VmHWM {me['max_kb'] / 1024:.1f} MiB (target <= 80 MB)")


def summary_rows(me: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    pss = max(m.get("pss", 0) for m in me["peak"].values()) / 1024
    uss = max(m.get("uss", 0) for m in me["peak"].values()) / 1024
    idle = max(m["hwm"] for m in me["phases"]["after start (idle)"].values()) / 1024
    rows.append(("Peak memory per worker (VmHWM)", f"{me['max_kb'] / 1024:.0f} MiB over {len(me['peak'])} worker "
                 f"processes ({idle:.0f} MiB idle; highest Pss {pss:.0f}, private {uss:.0f} MiB)",
                 "<= 80 MB", verdict(me["max_kb"] * 1024 <= TARGETS["worker_mb"] * 1e6)))
    return rows
