"""The processes measured: gunicorn servers stopped by pid, and their CPU time from /proc."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from bench.common import CLK_TCK, ROOT, WORKERS, BenchError
from bench.http_client import Client


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return []


def proc_status_kb(pid: int, field: str) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def proc_cpu_ticks(pid: int) -> tuple[int, int]:
    """(utime+stime, cutime+cstime) of `pid` in clock ticks; (0, 0) when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0, 0
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


class Server:
    """gunicorn with the production settings file; stopped by pid, workers included."""

    running: list["Server"] = []

    def __init__(self, name: str, app: str, env: dict[str, str], workdir: Path, extra: tuple[str, ...] = ()):
        self.name, self.app, self.env, self.extra = name, app, env, extra
        self.port = free_port()
        self.log_path = workdir / f"gunicorn-{name}.log"
        self.proc: Optional[subprocess.Popen] = None
        self.seen_workers: set[int] = set()

    def start(self, ready_path: str) -> "Server":
        env = {**self.env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(WORKERS)}
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", *self.extra, self.app],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        Server.running.append(self)
        deadline = time.monotonic() + 60
        client = Client(self.port, timeout=5)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn ({self.name}) exited; see {self.log_path}:\n{self.log_tail()}")
            try:
                if client.get(ready_path).status == 200 and len(self.workers()) == WORKERS:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn ({self.name}) not ready after 60 s; see {self.log_path}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def workers(self) -> list[int]:
        pids = children(self.proc.pid) if self.proc else []
        self.seen_workers.update(pids)
        return pids

    def cpu_seconds(self) -> float:
        """CPU time of every worker so far: live workers plus the ones the master has reaped."""
        _, reaped = proc_cpu_ticks(self.proc.pid)
        return (reaped + sum(proc_cpu_ticks(pid)[0] for pid in self.workers())) / CLK_TCK

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self._forget()
            return
        workers = self.workers()
        self.proc.send_signal(signal.SIGINT)  # quick shutdown of master and workers
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._forget()

    def _forget(self) -> None:
        if self in Server.running:
            Server.running.remove(self)


def machine_busy_seconds() -> float:
    """CPU time every process of the machine has used since boot (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of `pid` and its children so far: its own, the reaped children's, the live ones'."""
    own, reaped = proc_cpu_ticks(pid)
    for child in children(pid):
        c_own, c_reaped = proc_cpu_ticks(child)
        reaped += c_own + c_reaped
    return (own + reaped) / CLK_TCK


def postmaster_pid(dsn: str) -> Optional[int]:
    """The PostgreSQL server's main process (local throwaway server), to count its CPU."""
    import psycopg

    try:
        with psycopg.connect(dsn) as conn:
            data = conn.execute("SHOW data_directory").fetchone()[0]
        return int(Path(data, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, psycopg.Error):
        return None
