"""End-to-end fixtures and hooks: a real HTTP server per test, Chromium, and a `Customer` who uses the wizard.

Every test gets its own app on a fresh SQLite file, served by werkzeug on 127.0.0.1 (port 0) in
a background thread. The `Customer` helper (e2e/customer.py) drives one browser page the way a
person would (labels, roles, buttons) and, on every page it sees, saves a full-page screenshot
under e2e/screenshots/<test name>/NN-<label>.png and runs an axe accessibility check
(e2e/browser.py). Only fixtures and hooks live here: tests import the helpers from their modules.
"""
from __future__ import annotations

import logging
import re
import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, BrowserContext
from werkzeug.serving import make_server

from wizard import create_app
from wizard.app import stop_background
from wizard.core.extensions import db

from .browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Camera
from .customer import Customer
from .server import LiveServer


# --- browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, without sandbox, GPU or background traffic."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """Each test's own server gives the base URL (see `live_server`), never a global one."""
    return {k: v for k, v in browser_context_args.items() if k != "base_url"}


# --- server --------------------------------------------------------------------------------

@pytest.fixture
def server_settings() -> dict:
    """Settings a test module overrides for its server (e.g. another billing adapter)."""
    return {}


@pytest.fixture
def live_server(tmp_path: Path, server_settings: dict) -> Iterator[LiveServer]:
    """A real HTTP server (werkzeug, threaded) for a fresh app and database; stopped afterwards."""
    drop_dir = tmp_path / "billing-drop"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "e2e-" + Fernet.generate_key().decode(),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wizard.db'}",
        "BILLING_DROP_DIR": str(drop_dir),
        "MAIL_TRANSPORT": "file",  # the tests read the mail (tests/mail_helpers.py)
        "MAIL_DIR": str(tmp_path / "mail"),
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Pinned so that the environment (a developer's shell, CI) cannot change them:
        "BILLING_ADAPTER": "file_drop",
        "BILLING_STATUS_DIR": str(tmp_path / "billing-status"),
        "BILLING_DRAIN_IN_PROCESS": False,  # the test drains when it wants to
        "AUTO_MIGRATE": True,
        "SESSION_COOKIE_SECURE": False,  # plain http on 127.0.0.1
        "REMEMBER_COOKIE_SECURE": False,
        **server_settings,
    })
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, base_url=f"http://127.0.0.1:{server.server_port}", drop_dir=drop_dir)
    finally:
        stop_background(app)  # worker threads, if the settings started any
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        db.engine(app).dispose()


@pytest.fixture(autouse=True, scope="module")
def _quiet_request_log() -> Iterator[None]:
    """werkzeug logs every request; keep failures readable (and leave the level as it was)."""
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


# --- screenshots and accessibility ---------------------------------------------------------

@pytest.fixture
def camera(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Camera]:
    """Screenshots of this test go to e2e/screenshots/<test name>/ (emptied first)."""
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    extra = "-".join(str(v) for k, v in params.items() if k != "browser_name")
    name = request.node.originalname + (f"[{extra}]" if extra else "")
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    cam = Camera(folder, browser)
    yield cam
    cam.close()


# --- the customer --------------------------------------------------------------------------

@pytest.fixture
def open_customer(live_server: LiveServer, new_context: Callable[..., BrowserContext],
                  camera: Camera) -> Callable[..., Customer]:
    """Make a customer in a new browser context (`js=False` for a browser without JavaScript)."""

    def make(js: bool = True, context: Optional[BrowserContext] = None, **context_args: Any) -> Customer:
        if context is None:
            context = new_context(base_url=live_server.base_url, java_script_enabled=js, **context_args)
        context.set_default_timeout(10_000)
        return Customer(context.new_page(), live_server, camera, js=js)

    return make


@pytest.fixture
def customer(open_customer: Callable[..., Customer]) -> Customer:
    """A customer in a JavaScript-enabled browser."""
    return open_customer()
