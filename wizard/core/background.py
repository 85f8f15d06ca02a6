"""Work a request starts and a thread of this process finishes (an admin's import).

Each thread is remembered on the app, so `join_all` (called by `stop_background` at shutdown and
after each test) waits for it instead of leaving a half-done import behind a dropped database.
"""
from __future__ import annotations

import threading
from typing import Callable

from flask import Flask

_KEY = "background_threads"


def run_in_background(app: Flask, name: str, work: Callable[[], None]) -> threading.Thread:
    """Start `work` in a thread named `name`, remembered on `app`."""
    thread = threading.Thread(target=work, name=name)
    alive = [t for t in app.extensions.get(_KEY, []) if t.is_alive()]
    app.extensions[_KEY] = [*alive, thread]
    thread.start()
    return thread


def join_all(app: Flask, timeout: float) -> None:
    """Wait for the threads `run_in_background` started on `app`."""
    for thread in app.extensions.get(_KEY, []):
        thread.join(timeout=timeout)
