"""Runs the billing-submit module with this app's settings: one pass, or a background thread."""
from __future__ import annotations

import logging
import threading

from flask import Flask

import billing

from .extensions import db

log = logging.getLogger(__name__)


def billing_system(app: Flask) -> billing.BillingSystem:
    """The billing system adapter configured for `app`."""
    return billing.make_billing_system(app.config["BILLING_ADAPTER"],
                                       drop_dir=app.config["BILLING_DROP_DIR"])


def drain_once(app: Flask) -> billing.DrainReport:
    """Send what is due in the outbox now."""
    return billing.drain(db.sessionmaker(app), billing_system(app), app.extensions["cipher"])


def start_background_drain(app: Flask) -> threading.Thread:
    """Drain every BILLING_DRAIN_INTERVAL seconds in a daemon thread (embedded default only)."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(app.config["BILLING_DRAIN_INTERVAL"]):
            try:
                drain_once(app)
            except Exception:  # keep draining; the outbox row stays pending
                log.exception("billing: background drain failed")

    thread = threading.Thread(target=run, name="billing-drain", daemon=True)
    thread.start()
    app.extensions["billing_drain_stop"] = stop
    return thread
