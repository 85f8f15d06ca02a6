"""Real processes for the billing tests: the stand-in billing server and an SMTP server."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

from aiosmtpd.controller import Controller

import billing
from billing.models import Enrollment
from wizard.core.models import Customer


def wait_for(condition: Callable[[], Any], seconds: float, what: str, every: float = 0.02) -> Any:
    """Poll `condition` until it answers something true (which is returned); fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandInProcess:
    """`python -m billing.standin` on a free port, driven over HTTP like the real thing."""

    def __init__(self, accept_after: float = 0.3):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.accept_after = accept_after
        self.proc: subprocess.Popen | None = None

    def start(self) -> "StandInProcess":
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.billing_standin", "--port", str(self.port),
                                      "--accept-after", str(self.accept_after)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     cwd=Path(__file__).resolve().parent.parent)
        wait_for(self._answers, 10, "the stand-in billing system to start")
        return self

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"the stand-in exited with {self.proc.returncode}")
        try:
            self.stats()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/_stats", timeout=2) as response:
            return json.load(response)

    def received(self, number: str) -> dict[str, Any]:
        """The JSON body the stand-in last received for enrollment `number`."""
        with urllib.request.urlopen(f"{self.url}/_received/{number}", timeout=2) as response:
            return json.load(response)

    def fault(self, mode: str, **extra: Any) -> None:
        request = urllib.request.Request(self.url + "/_faults", data=json.dumps({"mode": mode, **extra}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(request, timeout=2).close()


class Inbox:
    """Messages received by the SMTP server."""

    def __init__(self):
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append({"to": envelope.rcpt_tos, "data": envelope.content.decode("utf8", "replace")})
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a free port: a real SMTP server receiving what the billing module sends."""

    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


def make_enrollment(session, cipher, n: int = 1, commit: bool = True, **changes: Any) -> Enrollment:
    """A Texas switch enrollment stored and queued as any channel would."""
    customer = Customer(customer_type="residential", first_name="Ana", last_name="Garza & Sons <x>",
                        email="ana@example.com", phone="+12145550100", language="en", contact_method="email",
                        date_of_birth_enc=cipher.encrypt("1980-03-27"), identity_enc=cipher.encrypt("234567890"),
                        identity_last4="7890")
    address = {"line1": "1200 Main St", "line2": "", "city": "Dallas", "state": "TX", "zip": "75201"}
    enrollment = Enrollment(number=f"EN-TEST{n:04d}", submission_key=f"key-{n}", channel="web", customer=customer,
                            state="TX", utility_code="oncor", plan_code="SAVER12", plan_snapshot={},
                            esi_id="10443720001234567", service_address=address, billing_address=address,
                            enrollment_type="switch", start_timing="first_available", consent={
                                "method": "web", "at": "2026-11-22T10:00:00Z", "ip": "127.0.0.1", "user_agent": "t",
                                "statements": [{"code": "rescission", "version": 1, "text": "I may cancel."}]})
    for key, value in changes.items():
        setattr(enrollment, key, value)
    session.add(enrollment)
    billing.enqueue(session, enrollment)
    if commit:
        session.commit()
    return enrollment


def live_billing_settings(url: str) -> dict[str, Any]:
    """The app as the README's demo runs it, fast enough for a browser test to watch: web-service
    billing to the stand-in at `url`, with the worker thread in the server and short waits."""
    return {"BILLING_ADAPTER": "web_service", "BILLING_URL": url, "BILLING_DRAIN_IN_PROCESS": True,
            "BILLING_DRAIN_INTERVAL": 0.2, "BILLING_POLL_INTERVAL": 0.5, "BILLING_CONNECT_TIMEOUT": 1,
            "BILLING_BACKOFF_BASE": 0.05, "BILLING_BACKOFF_CAP": 0.2}
