"""The billing worker: delivers the outbox and polls statuses until told to stop (SIGTERM)."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Optional

from .adapters import BillingSystem
from .crypto import FieldCipher
from .mail import Mailer
from .outbox import DrainReport, SessionFactory, drain
from .polling import poll_statuses
from .settings import BillingSettings

log = logging.getLogger(__name__)


class Worker:
    """One worker process's loop; several may run at once against the same database."""

    def __init__(self, session_factory: SessionFactory, system: BillingSystem, cipher: FieldCipher,
                 settings: BillingSettings, *, idle_seconds: float = 1.0, mailer: Optional[Mailer] = None):
        """Deliver through `system`; sleep `idle_seconds` when there is nothing to do."""
        self.session_factory, self.system, self.cipher, self.settings = session_factory, system, cipher, settings
        self.idle_seconds = idle_seconds
        self.mailer = mailer or Mailer(settings.smtp_host, settings.smtp_port, settings.mail_from)
        self.stop = threading.Event()
        self.total = DrainReport()

    def handle_signals(self) -> None:
        """Stop cleanly after the current item on SIGTERM or SIGINT."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop.set())

    def run_once(self) -> DrainReport:
        """One pass: deliver what is due, then poll what is due for a status check."""
        report = drain(self.session_factory, self.system, self.cipher, self.settings,
                       mailer=self.mailer, stop=self.stop)
        for name in ("sent", "failed", "on_hold", "lost"):
            setattr(self.total, name, getattr(self.total, name) + getattr(report, name))
        if not self.stop.is_set():
            poll_statuses(self.session_factory, self.system, self.settings)
        return report

    def run(self) -> DrainReport:
        """Loop until stopped; answer what was done in all."""
        log.info("billing worker started (%s)", self.settings.adapter)
        while not self.stop.is_set():
            try:
                report = self.run_once()
            except Exception:  # a database hiccup must not kill the worker; rows stay queued
                log.exception("billing worker: pass failed")
                report = DrainReport()
            if not (report.sent or report.failed or report.on_hold):
                self.stop.wait(self.idle_seconds)
        log.info("billing worker stopped: %s", self.total)
        return self.total
