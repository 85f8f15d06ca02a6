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
from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import http.client
import importlib.metadata
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import ACKS, DALLAS_SWITCH, PASSWORD, csrf_token  # noqa: E402  the tests' own answers

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


# --- a small HTTP client: one connection per request (gunicorn's sync workers close it) ------

class Resp:
    def __init__(self, method: str, path: str, status: int, headers: http.client.HTTPMessage,
                 raw: bytes, elapsed: float):
        self.method, self.path, self.status, self.headers, self.raw, self.elapsed = \
            method, path, status, headers, raw, elapsed
        self.body = gzip.decompress(raw) if headers.get("Content-Encoding") == "gzip" else raw

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        parts = urllib.parse.urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Client:
    """A browser-like client: keeps cookies, sends Accept-Encoding: gzip, follows nothing by itself."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: Optional[dict[str, Any]] = None,
                headers: Optional[dict[str, str]] = None) -> Resp:
        hdrs = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "wizard-bench/1",
                "Accept-Encoding": "gzip"}
        if self.cookies:
            hdrs["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        hdrs.update(headers or {})
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or re.search(r"max-age=0\b", cookie, re.I):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return Resp(method, path, response.status, response.headers, raw, elapsed)

    def get(self, path: str, **kw: Any) -> Resp:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict[str, Any], **kw: Any) -> Resp:
        return self.request("POST", path, form=form, **kw)


def _errors(resp: Resp) -> str:
    found = re.findall(r'class="error-message"[^>]*>.*?</span>\s*(.*?)</p>', resp.text, re.S)
    return "; ".join(found) or resp.text[:300]


def expect(resp: Resp, status: int, what: str) -> Resp:
    if resp.status != status:
        raise BenchError(f"{what}: {resp.method} {resp.path} answered {resp.status}, not {status} ({_errors(resp)})")
    return resp


def walk(client: Client, answers: dict[str, dict[str, Any]], *, until: Optional[str] = None,
         headers: Optional[dict[str, str]] = None, on_page: Optional[Callable[[str, Resp], None]] = None,
         on_post: Optional[Callable[[str, Resp], None]] = None) -> Resp:
    """Answer the steps in order like a browser: GET the page, POST its form, follow the 303.

    Answers the page of `until` without posting it (or the review page when `until` is None).
    """
    page = expect(client.get("/signup/zip", headers=headers), 200, "first page")
    for slug, data in answers.items():
        if page.path.split("?")[0] != f"/signup/{slug}":
            raise BenchError(f"expected the {slug} step, the wizard went to {page.path}")
        if on_page:
            on_page(slug, page)
        if slug == until:
            return page
        posted = client.post(f"/signup/{slug}", {**data, "csrf_token": csrf_token(page.text)}, headers=headers)
        expect(posted, 303, f"answering {slug}")
        if on_post:
            on_post(slug, posted)
        page = expect(client.get(posted.location, headers=headers), 200, f"page after {slug}")
    if page.path != "/signup/review":
        raise BenchError(f"expected the review page, the wizard went to {page.path}")
    if on_page:
        on_page("review", page)
    return page


def submit(client: Client, review: Resp, headers: Optional[dict[str, str]] = None) -> tuple[Resp, Resp]:
    """Confirm the four statements and enroll; answers (submit response, confirmation page)."""
    posted = expect(client.post("/signup/review", {**ACKS, "csrf_token": csrf_token(review.text)},
                                headers=headers), 303, "review submit")
    if posted.location != "/signup/confirmation":
        raise BenchError(f"review submit went to {posted.location}, not the confirmation")
    page = expect(client.get(posted.location, headers=headers), 200, "confirmation")
    if not re.search(r'class="enrollment-number">EN-', page.text):
        raise BenchError("the confirmation shows no enrollment number")
    return posted, page


def answers_for(username: str) -> dict[str, dict[str, Any]]:
    """DALLAS_SWITCH with a unique username (and e-mail)."""
    answers = {slug: dict(data) for slug, data in DALLAS_SWITCH.items()}
    answers["credentials"]["username"] = username
    answers["about-you"]["email"] = f"{username}@example.com"
    return answers


# --- processes -------------------------------------------------------------------------------

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


# --- wrk -----------------------------------------------------------------------------------------

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


WRK_MIX = r"""-- Generated by bench/run.py: round-robins prepared drafts over a mix of wizard step requests.
local drafts = {
%(drafts)s
}
local nthreads = %(threads)d
local function headers(d, extra)
  local h = {["Cookie"] = d[1], ["Accept-Encoding"] = "gzip"}
  %(hx)s
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local reqs = {}
local i = 0
statuses = {}

function init(args)
  local mine = {}
  for k, d in ipairs(drafts) do
    if (k - 1) %% nthreads == tid then table.insert(mine, d) end
  end
  -- one cycle: GET plans for every draft, then GET referral, then POST referral
  for _, d in ipairs(mine) do
    table.insert(reqs, wrk.format("GET", "/signup/plans", headers(d)))
  end
  for _, d in ipairs(mine) do
    table.insert(reqs, wrk.format("GET", "/signup/referral", headers(d)))
  end
  for _, d in ipairs(mine) do
    table.insert(reqs, wrk.format("POST", "/signup/referral",
      headers(d, {["Content-Type"] = "application/x-www-form-urlencoded"}),
      "referral=friend&csrf_token=" .. d[2]))
  end
end

function request()
  i = i + 1
  return reqs[((i - 1) %% #reqs) + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %%d %%d\n", code, n)) end
end
"""


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_mix_script(path: Path, drafts: list[tuple[str, str]], htmx: bool = False) -> None:
    """The wrk script of the step mix; with `htmx`, every request is an htmx one (HX-Request: true)."""
    rows = ",\n".join(f"  {{{lua_string(cookie)}, {lua_string(urllib.parse.quote(token, safe=''))}}}"
                      for cookie, token in drafts)
    hx = 'h["HX-Request"] = "true"' if htmx else "-- whole pages, as without JavaScript"
    path.write_text(WRK_MIX % {"drafts": rows, "threads": 2, "hx": hx})


# --- the benchmarks ------------------------------------------------------------------------

def prepare_draft(port: int, n: int) -> tuple[str, str]:
    """A draft at the referral step (answered once, so the plans page shows): (cookie, csrf token)."""
    client = Client(port)
    page = walk(client, DALLAS_SWITCH, until="referral")
    token = csrf_token(page.text)
    expect(client.post("/signup/referral", {"referral": "friend", "csrf_token": token}), 303, "referral")
    cookie = f"signup={client.cookies['signup']}"
    # The three requests of the mix, checked once in Python before wrk repeats them.
    replay = Client(port)
    replay.cookies = dict(client.cookies)
    expect(replay.get("/signup/plans"), 200, "plans page of a prepared draft")
    expect(replay.get("/signup/referral"), 200, "referral page of a prepared draft")
    expect(replay.post("/signup/referral", {"referral": "friend", "csrf_token": token}), 303,
           "referral answer of a prepared draft")
    return cookie, token


def bench_throughput(bare: Server, wizard: Server, drafts: list[tuple[str, str]], workdir: Path,
                     seconds: int, warmup: int, rounds: int, pg_pid: Optional[int]) -> dict[str, Any]:
    """wrk on the bare route and on the wizard's step mix (whole pages, then htmx partials), interleaved."""
    def cpu_of(server: Server) -> Callable[[], dict[str, float]]:
        def cpu() -> dict[str, float]:
            out = {"gunicorn": tree_cpu_seconds(server.proc.pid)}
            if pg_pid:
                out["postgresql"] = tree_cpu_seconds(pg_pid)
            return out
        return cpu

    bare_url, wizard_url = f"http://127.0.0.1:{bare.port}/", f"http://127.0.0.1:{wizard.port}/"

    def measured(server: Server, url: str, **kw: Any) -> dict[str, Any]:
        """One wrk run, counting the workers gunicorn started during it (recycled by max_requests)."""
        watcher = MemorySampler(server, interval=0.05)
        watcher.start()
        before = set(server.workers())
        result = run_wrk(url, seconds, cpu=cpu_of(server), **kw)
        watcher.stop()
        result["recycled"] = len(set(watcher.peak) - before)
        return result

    pages, partials = workdir / "mix.lua", workdir / "mix-htmx.lua"
    write_mix_script(pages, drafts)
    write_mix_script(partials, drafts, htmx=True)
    bare_kw: dict[str, Any] = {"headers": ("Accept-Encoding: gzip",)}
    log(f"  warm-up {warmup} s each; then {rounds} round(s) of {seconds} s each: bare route, wizard mix, "
        "wizard mix as htmx requests (interleaved, so that each sees the same machine)")
    run_wrk(bare_url, warmup, **bare_kw)
    run_wrk(wizard_url, warmup, script=pages)
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "pages": [], "htmx": []}
    for _ in range(rounds):
        runs["bare"].append(measured(bare, bare_url, **bare_kw))
        runs["pages"].append(measured(wizard, wizard_url, script=pages))
        runs["htmx"].append(measured(wizard, wizard_url, script=partials))
    bare.stop()
    result = combine(runs["pages"])
    result["htmx"] = combine(runs["htmx"])
    result["bare"] = combine(runs["bare"])
    result["ratio"] = result["rps"] / result["bare"]["rps"]
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


def bench_hashing(samples: int = 20) -> dict[str, Any]:
    """argon2id with the app's configured profile, and the password strength check, in this process."""
    from argon2 import PasswordHasher, Type

    from config.settings import Settings
    from wizard.core.validators import password_problem

    ph = PasswordHasher(time_cost=Settings.ARGON2_TIME_COST, memory_cost=Settings.ARGON2_MEMORY_COST,
                        parallelism=Settings.ARGON2_PARALLELISM, type=Type.ID)
    ph.hash(PASSWORD)
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        ph.hash(PASSWORD)
        times.append(time.perf_counter() - t0)
    checks = []
    for n in range(samples):
        t0 = time.perf_counter()
        password_problem(PASSWORD, f"bench.user{n}")
        checks.append(time.perf_counter() - t0)
    return {"profile": f"t={ph.time_cost} m={ph.memory_cost // 1024} MiB p={ph.parallelism}",
            "hash_ms": 1000 * statistics.median(times), "strength_check_ms": 1000 * statistics.median(checks)}


def bench_bytes(wizard: Server, run_id: str) -> dict[str, Any]:
    """First page with its assets, and every step's htmx partial, as served (gzip)."""
    first: dict[str, tuple[int, int, str]] = {}
    client = Client(wizard.port)
    page = expect(client.get("/signup/zip"), 200, "first page")
    first["/signup/zip (HTML)"] = (len(page.raw), len(page.body), page.headers.get("Content-Encoding") or "none")
    refs = re.findall(r'<(?:link|script)\b[^>]*?(?:href|src)="(/static/[^"]+)"', page.text)
    if not refs:
        raise BenchError("the first page references no static files")
    for ref in refs:
        asset = expect(client.get(ref), 200, f"asset {ref}")
        first[ref] = (len(asset.raw), len(asset.body), asset.headers.get("Content-Encoding") or "none")

    hx = {"HX-Request": "true", "HX-Current-URL": f"http://127.0.0.1:{wizard.port}/signup/zip"}
    swaps: dict[str, tuple[int, int, str]] = {}

    def on_page(slug: str, resp: Resp) -> None:
        if "<html" in resp.text[:200].lower():
            raise BenchError(f"htmx GET of {slug} answered a whole page, not the panel")
        swaps.setdefault(slug, (len(resp.raw), len(resp.body), resp.headers.get("Content-Encoding") or "none"))

    client = Client(wizard.port)
    review = walk(client, answers_for(f"bench.{run_id}.bytes"), headers=hx, on_page=on_page)
    _, confirmation = submit(client, review, headers=hx)
    on_page("confirmation", confirmation)
    # The two steps a Dallas switch by a new customer skips: utility (split ZIP), sign-in (existing).
    galveston = {**DALLAS_SWITCH, "zip": {"zip": "77550"}}
    walk(Client(wizard.port), dict(list(galveston.items())[:3]) | {"utility": {}}, until="utility",
         headers=hx, on_page=on_page)
    existing = {slug: DALLAS_SWITCH[slug] for slug in ("zip", "promo", "customer-type", "referral", "plans")}
    existing |= {"customer": {"customer_status": "existing"}, "sign-in": {}}
    walk(Client(wizard.port), existing, until="sign-in", headers=hx, on_page=on_page)
    order = ["zip", "promo", "customer-type", "utility", "referral", "plans", "customer", "sign-in",
             "about-you", "premise", "credentials", "review", "confirmation"]
    swaps = {slug: swaps[slug] for slug in order if slug in swaps}
    return {"first": first, "first_total": sum(v[0] for v in first.values()),
            "first_total_uncompressed": sum(v[1] for v in first.values()),
            "swaps": swaps, "swap_max": max(v[0] for v in swaps.values()),
            "swap_max_step": max(swaps, key=lambda s: swaps[s][0])}


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


# --- the machine and the report --------------------------------------------------------------

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


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    tp = r.get("throughput")
    if tp:
        rows.append(("Step mix throughput (wrk -c16)",
                     f"{tp['rps']:.0f} req/s = {tp['ratio']:.2f} x bare ({tp['bare']['rps']:.0f} req/s)",
                     ">= 0.33 x bare", verdict(tp["ratio"] >= TARGETS["throughput_ratio"])))
        rows.append(("Step mix latency p50 / p99",
                     f"{tp['p50_ms']:.1f} / {tp['p99_ms']:.1f} ms (bare {tp['bare']['p50_ms']:.1f} / "
                     f"{tp['bare']['p99_ms']:.1f} ms; p99 {tp['p99_ms'] / tp['bare']['p99_ms']:.1f} x bare)",
                     "p99 <= 50 ms", verdict(tp["p99_ms"] <= TARGETS["p99_ms"])))
        hx = tp["htmx"]
        rows.append(("Same mix as htmx requests (for comparison)",
                     f"{hx['rps']:.0f} req/s = {hx['rps'] / tp['bare']['rps']:.2f} x bare; p50 / p99 "
                     f"{hx['p50_ms']:.1f} / {hx['p99_ms']:.1f} ms", "(no target)", "-"))
    en = r.get("enrollments")
    if en:
        h = r["hashing"]
        rows.append(("Full enrollments, ZIP to confirmation",
                     f"{en['per_second']:.1f} /s ({en['clients']} clients, {en['enrollments']} enrollments; "
                     f"one walk {en['walk_mean_s'] * 1000:.0f} ms)", "(no target)", "-"))
        rows.append(("Password hashing share of an enrollment",
                     f"argon2id {h['profile']}: {h['hash_ms']:.1f} ms of {en['worker_cpu_ms_per_enrollment']:.0f} ms "
                     f"worker CPU = {100 * h['hash_ms'] / en['worker_cpu_ms_per_enrollment']:.0f} %",
                     "(no target)", "-"))
    by = r.get("bytes")
    if by:
        rows.append(("First page, gzip (HTML + CSS + JS + icon)", f"{by['first_total'] / KB:.1f} KB",
                     "<= 50 KB", verdict(by["first_total"] <= TARGETS["first_page_kb"] * KB)))
        rows.append(("Largest htmx step swap, gzip", f"{by['swap_max'] / KB:.1f} KB ({by['swap_max_step']})",
                     "<= 6 KB", verdict(by["swap_max"] <= TARGETS["swap_kb"] * KB)))
    pu = r.get("purge")
    if pu:
        took = f"{pu['purge_s']:.1f} s" if pu["finished"] else f"not finished after {pu['limit_s']:.0f} s ({pu['left']:,} left)"
        rows.append((f"Purge of {pu['rows']:,} expired drafts", took, "<= 60 s",
                     verdict(pu["finished"] and pu["purge_s"] <= TARGETS["purge_s"])))
        rows.append(("Longest wizard request during the purge",
                     f"{pu['during']['max_ms']:.0f} ms ({pu['during']['requests']} requests; "
                     f"{pu['idle']['max_ms']:.0f} ms without purge)", "<= 100 ms",
                     verdict(pu["during"]["max_ms"] <= TARGETS["purge_wait_ms"])))
    me = r.get("memory")
    if me:
        pss = max(m.get("pss", 0) for m in me["peak"].values()) / 1024
        uss = max(m.get("uss", 0) for m in me["peak"].values()) / 1024
        idle = max(m["hwm"] for m in me["phases"]["after start (idle)"].values()) / 1024
        rows.append(("Peak memory per worker (VmHWM)", f"{me['max_kb'] / 1024:.0f} MiB over {len(me['peak'])} worker "
                     f"processes ({idle:.0f} MiB idle; highest Pss {pss:.0f}, private {uss:.0f} MiB)",
                     "<= 80 MB", verdict(me["max_kb"] * 1024 <= TARGETS["worker_mb"] * 1e6)))
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    log("| figure | measured | target | |")
    log("|---|---|---|---|")
    for row in rows:
        log("| " + " | ".join(row) + " |")


# --- main ----------------------------------------------------------------------------------------

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

    import psycopg
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
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {dbname}")
    parts = urllib.parse.urlsplit(admin_url)
    dsn = urllib.parse.urlunsplit(parts._replace(path=f"/{dbname}"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "AUTO_MIGRATE", "MAX_REQUESTS")}
    env.update({"DATABASE_URL": dsn, "SECRET_KEY": secrets.token_urlsafe(48),
                "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "BILLING_DRAIN_IN_PROCESS": "0",
                "LOOKUP_RATE_LIMIT": "100000 per minute", "LOGIN_RATE_LIMIT": "100000 per minute",
                "INSTANCE_PATH": str(workdir / "instance"), "BILLING_DROP_DIR": str(workdir / "billing-drop"),
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
        tp = results["throughput"] = bench_throughput(bare, wizard, drafts, workdir, args.seconds, args.warmup,
                                                      args.rounds, pg_pid)
        phases["after 1"] = sampler.sample()
        b, hx = tp["bare"], tp["htmx"]
        log(f"  medians of {args.rounds} round(s):")
        log(f"  {'':22}{'req/s':>8}{'p50 ms':>8}{'p75 ms':>8}{'p90 ms':>8}{'p99 ms':>8}  errors")
        for name, x in (("bare route", b), ("wizard mix", tp), ("wizard mix, htmx", hx)):
            log(f"  {name:22}{x['rps']:8.0f}{x['p50_ms']:8.1f}{x['p75_ms']:8.1f}{x['p90_ms']:8.1f}{x['p99_ms']:8.1f}"
                f"  non-2xx/3xx {x['non_2xx_3xx']}, socket {sum(x['socket_errors'].values())}")
        log(f"  wizard / bare: throughput {tp['ratio']:.2f} x (target >= 0.33), "
            f"p50 {tp['p50_ms'] / b['p50_ms']:.1f} x, p99 {tp['p99_ms'] / b['p99_ms']:.1f} x; "
            f"htmx mix {hx['rps'] / b['rps']:.2f} x")
        log("  CPU per request (ms)   gunicorn  postgres     wrk   other    idle   machine (cores x wall / requests)")
        for name, x in (("bare route", b), ("wizard mix", tp), ("wizard mix, htmx", hx)):
            c = x["cpu_ms"]
            log(f"  {name:22}{c['gunicorn']:8.2f}{c.get('postgresql', float('nan')):10.2f}{c['wrk']:8.2f}"
                f"{c['other']:8.2f}{c['idle']:8.2f}{c['machine']:10.2f}")
        busy = max(x["other_share"] for x in (b, tp, hx))
        if busy > 0.05:
            log(f"  WARNING: other processes used up to {100 * busy:.0f} % of the machine during these "
                "measurements: the figures are lower than on a quiet machine.")
        log(f"  wizard statuses: {dict(sorted(tp['statuses'].items()))}, htmx {dict(sorted(hx['statuses'].items()))} "
            "(expected 200 and 303 only, 2:1)")
        log("  each round, req/s (p99 ms) [share of the machine used by other processes]:")
        for name, x in (("bare route", b), ("wizard mix", tp), ("wizard mix, htmx", hx)):
            log(f"    {name:20}" + "   ".join(f"{r['rps']:.0f} ({r['p99_ms']:.1f}) [{100 * r['other_share']:.0f} %]"
                                            for r in x["rounds"]))
        log(f"  workers recycled by max_requests during the measurement: bare {b['recycled']}, "
            f"wizard mix {tp['recycled']}, htmx mix {hx['recycled']} (a recycled wizard worker boots in ~1 s)")

        log(f"\n== 2. Full enrollments, ZIP to confirmation ({args.clients} clients, "
            f"{args.enroll_seconds:.0f} s or {args.max_enrollments} enrollments)")
        h = results["hashing"] = bench_hashing()
        en = results["enrollments"] = bench_enrollments(wizard, args.clients, args.enroll_seconds,
                                                        args.max_enrollments, run_id, pg_pid)
        sampler.stop()
        phases["after 2"] = sampler.sample()
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

        log("\n== 5. Peak memory per worker (sampled every 0.2 s during 1 and 2; VmHWM is the kernel's own peak)")
        peak = sampler.peak
        results["memory"] = {"per_worker_kb": {pid: m["hwm"] for pid, m in peak.items()},
                             "peak": peak, "phases": phases, "max_kb": max(m["hwm"] for m in peak.values())}
        log("  MiB               VmHWM  VmRSS    Pss  private (Pss and private: highest sample)")
        for pid, mem in sorted(peak.items()):
            state = "running" if pid in phases["after 2"] else "recycled"
            log(f"  worker {pid:<8}{mem['hwm'] / 1024:7.1f}{mem['rss'] / 1024:7.1f}{mem.get('pss', 0) / 1024:7.1f}"
                f"{mem.get('uss', 0) / 1024:9.1f}  ({state})")
        for label, snap in phases.items():
            log(f"  {label:20} VmHWM " + ", ".join(f"{m['hwm'] / 1024:.1f}" for m in snap.values())
                + "; private " + ", ".join(f"{m.get('uss', 0) / 1024:.1f}" for m in snap.values()) + " MiB")
        log(f"  max VmHWM {results['memory']['max_kb'] / 1024:.1f} MiB (target <= 80 MB)")

        log("\n== 3. Bytes as served (gzip)")
        by = results["bytes"] = bench_bytes(wizard, run_id)
        for name, (wire, plain, enc) in by["first"].items():
            log(f"  {name:42}{wire:8,} B  ({plain:,} B uncompressed, {enc})")
        log(f"  {'first page total':42}{by['first_total']:8,} B = {by['first_total'] / KB:.1f} KB (target <= 50 KB)")
        log("  htmx step swaps (GET with HX-Request: true):")
        for slug, (wire, plain, enc) in by["swaps"].items():
            log(f"    {slug:40}{wire:8,} B  ({plain:,} B uncompressed, {enc})")
        log(f"  largest swap {by['swap_max'] / KB:.1f} KB ({by['swap_max_step']}) (target <= 6 KB)")

        if not args.skip_purge:
            log(f"\n== 4. Purge of {args.purge_rows:,} expired drafts (flask --app wsgi drafts purge) "
                "while a client uses the wizard")
            pu = results["purge"] = bench_purge(wizard, env, dsn, drafts, args.purge_rows, args.purge_limit)
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
        try:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        except Exception as exc:  # the server is thrown away anyway
            log(f"(could not drop {dbname}: {exc})")
        if args.keep:
            log(f"Work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
