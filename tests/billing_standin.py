"""A stand-in billing system speaking the web-service protocol, for tests and demos.

    python -m tests.billing_standin --port 8700 [--api-key KEY] [--accept-after 5] [--fault MODE]

It creates prospects (one per idempotency key), answers status lookups (pending, then accepted
with a start date after --accept-after seconds, or rejected in "reject" mode), counts what it
did (GET /_stats), shows the last body received for an enrollment (GET /_received/EN-..., the
latest 1,000 enrollments) and produces the faults it is told to (POST /_faults {"mode": ...,
"delay": s}): none, down (drops connections), slow (waits `delay` seconds), 500, malformed,
error (422), reject. It keeps its state in memory: a restart forgets the prospects.
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

#: Bodies kept for GET /_received: enough for any test, bounded for long benchmark runs.
KEEP_RECEIVED = 1000

MODES = {"none", "down", "slow", "500", "malformed", "error", "reject"}


class StandIn:
    """The billing system's state: prospects by idempotency key, counters, current fault."""

    def __init__(self, api_key: Optional[str] = None, accept_after: float = 2.0):
        self.api_key, self.accept_after = api_key, accept_after
        self.lock = threading.Lock()
        self.by_key: dict[str, dict[str, Any]] = {}
        self.by_id: dict[str, dict[str, Any]] = {}
        self.ids = itertools.count(1)
        self.received: dict[str, dict[str, Any]] = {}  # enrollment number -> last body, for tests to read
        self.requests = 0
        self.replays = 0
        self.fault: dict[str, Any] = {"mode": "none", "delay": 0.0, "reason": "ESI ID not found at the utility"}

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"prospects_created": len(self.by_key), "create_requests": self.requests,
                    "replayed_requests": self.replays, "fault": self.fault["mode"]}

    def note_request(self) -> None:
        with self.lock:
            self.requests += 1

    def create(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Create the prospect for `key` once; a replay answers the same prospect (200)."""
        with self.lock:
            number = str(body.get("enrollment_number"))
            self.received.pop(number, None)
            self.received[number] = body  # the newest last, so the oldest goes first
            if len(self.received) > KEEP_RECEIVED:
                del self.received[next(iter(self.received))]
            if key in self.by_key:
                self.replays += 1
                return 200, {"prospect_id": self.by_key[key]["prospect_id"], "status": "pending"}
            prospect = {"prospect_id": f"P{next(self.ids):07d}", "created": time.monotonic(),
                        "enrollment_number": body.get("enrollment_number"),
                        "rejected": self.fault["mode"] == "reject", "reason": self.fault["reason"]}
            self.by_key[key] = self.by_id[prospect["prospect_id"]] = prospect
            return 201, {"prospect_id": prospect["prospect_id"], "status": "pending"}

    def received_body(self, number: str) -> Optional[dict[str, Any]]:
        """The last Create Prospect body received for enrollment `number`."""
        with self.lock:
            return self.received.get(number)

    def lookup(self, prospect_id: str) -> Optional[dict[str, Any]]:
        with self.lock:
            prospect = self.by_id.get(prospect_id)
            return None if prospect is None else self._public(prospect)

    def _public(self, p: dict[str, Any]) -> dict[str, Any]:
        """The prospect's status as a lookup answers it."""
        if p["rejected"]:
            return {"prospect_id": p["prospect_id"], "status": "rejected", "reason": p["reason"]}
        if time.monotonic() - p["created"] >= self.accept_after:
            start = dt.date.today() + dt.timedelta(days=3)
            return {"prospect_id": p["prospect_id"], "status": "accepted", "start_date": start.isoformat()}
        return {"prospect_id": p["prospect_id"], "status": "pending"}


class Handler(BaseHTTPRequestHandler):
    """HTTP front of the stand-in."""

    server: "StandInServer"
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm meets the
        # client's delayed ACK and every answer waits 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read /_stats instead
        pass

    def _send(self, status: int, body: Any, raw: Optional[bytes] = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if raw is None else "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None

    def _faulted(self) -> bool:
        """Apply the current fault; True when the request was answered (or dropped) by it."""
        fault = self.server.state.fault
        if fault["mode"] == "down":
            self.close_connection = True
            self.connection.shutdown(2)  # the client sees the connection reset, no answer
            return True
        if fault["mode"] == "slow":
            time.sleep(float(fault["delay"]))
        if fault["mode"] == "500":
            self._send(500, {"error": "internal error"})
            return True
        return False

    def do_GET(self) -> None:
        if self.path == "/_stats":
            return self._send(200, self.server.state.stats())
        if self.path.startswith("/_received/"):
            body = self.server.state.received_body(self.path.rsplit("/", 1)[1])
            return self._send(200, body) if body else self._send(404, {"error": "nothing received for it"})
        if self.path.startswith("/prospects/"):
            if self._faulted():
                return None
            found = self.server.state.lookup(self.path.rsplit("/", 1)[1])
            return self._send(200, found) if found else self._send(404, {"error": "no such prospect"})
        return self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path == "/_faults":
            body = self._body() or {}
            if body.get("mode") not in MODES:
                return self._send(400, {"error": f"mode must be one of {sorted(MODES)}"})
            self.server.state.fault.update({k: v for k, v in body.items() if k in ("mode", "delay", "reason")})
            return self._send(200, self.server.state.fault)
        if self.path != "/prospects":
            return self._send(404, {"error": "not found"})
        state = self.server.state
        if state.api_key and self.headers.get("Authorization") != f"Bearer {state.api_key}":
            return self._send(401, {"error": "missing or wrong API key"})
        body = self._body()
        state.note_request()
        if self._faulted():
            return None
        key = self.headers.get("Idempotency-Key")
        if not key or not isinstance(body, dict):
            return self._send(400, {"error": "Idempotency-Key header and a JSON body are required"})
        if state.fault["mode"] == "error":
            return self._send(422, {"error": state.fault["reason"]})
        status, answer = state.create(key, body)
        if state.fault["mode"] == "malformed":
            return self._send(status, None, raw=b"<html>Service temporarily confused</html>")
        return self._send(status, answer)


class StandInServer(ThreadingHTTPServer):
    """The stand-in's HTTP server on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, port: int, state: StandIn):
        super().__init__(("127.0.0.1", port), Handler)
        self.state = state


def main(argv: Optional[list[str]] = None) -> None:
    """Run the stand-in until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--accept-after", type=float, default=2.0, help="seconds before a prospect is accepted")
    parser.add_argument("--fault", choices=sorted(MODES), default="none")
    args = parser.parse_args(argv)
    state = StandIn(args.api_key, args.accept_after)
    state.fault["mode"] = args.fault
    server = StandInServer(args.port, state)
    print(f"Stand-in billing system on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
