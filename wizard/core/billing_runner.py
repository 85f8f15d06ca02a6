"""Runs the billing-submit module with this app's settings: a pass, a worker, or a dev thread."""
from __future__ import annotations

import logging
import threading

from flask import Flask

import billing

from .extensions import db

log = logging.getLogger(__name__)


def settings(app: Flask) -> billing.BillingSettings:
    """The billing module's settings from the app's BILLING_* configuration."""
    return billing.BillingSettings.from_mapping(app.config)


def worker(app: Flask, **options) -> billing.Worker:
    """A billing worker bound to this app's database and settings."""
    s = settings(app)
    return billing.Worker(db.sessionmaker(app), billing.make_billing_system(s), app.extensions["cipher"], s,
                          **options)


def drain_once(app: Flask) -> billing.DrainReport:
    """Deliver what is due now and bring back the statuses due for a check."""
    return worker(app).run_once()


def start_background_drain(app: Flask) -> threading.Thread:
    """Run a worker in a daemon thread (embedded default only: production runs its own worker)."""
    w = worker(app, idle_seconds=app.config["BILLING_DRAIN_INTERVAL"])
    thread = threading.Thread(target=w.run, name="billing-worker", daemon=True)
    thread.start()
    app.extensions["billing_drain_stop"] = w.stop
    app.extensions["billing_drain_thread"] = thread
    return thread
