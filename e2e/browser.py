"""Debian's Chromium for the e2e tests, and the camera: numbered screenshots and an axe check of every page."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Route

E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = E2E_DIR / "screenshots"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

#: axe impacts that fail a test: every one, since no page the tests visit has any violation.
#: (The brief's floor is "serious" and "critical"; narrow this set if a minor finding must wait.)
BLOCKING_IMPACTS = {"minor", "moderate", "serious", "critical"}


class A11yViolation(AssertionError):
    """axe found accessibility problems of a blocking impact."""


class Camera:
    """Numbered full-page screenshots and an axe check of every page a test visits.

    Screenshots go to e2e/screenshots/<test name>/NN-<label>.png (see the `camera` fixture).
    axe is injected with `page.evaluate`, which goes through the DevTools protocol and is not
    subject to the page's strict Content-Security-Policy, so no context needs `bypass_csp`. A page
    with JavaScript disabled runs no script at all (not even axe's promise callbacks), so its DOM
    is re-rendered for the check in a separate JavaScript-enabled "auditor" page: the document
    request is answered with the captured HTML, stylesheets come from the live server, and the
    app's own scripts are blocked so the page looks as it does without JavaScript.
    """

    def __init__(self, folder: Path, browser: Browser):
        self.folder = folder
        self.browser = browser
        self.count = 0
        self.checked: list[tuple[str, str, int]] = []  # (label, url, violations of any impact)
        self._auditor: Optional[Page] = None
        self._auditor_context: Optional[BrowserContext] = None
        self.axe = Axe()

    def take(self, page: Page, label: str, js: bool) -> Path:
        self.count += 1
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-") or "page"
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.check_accessibility(page, label, js)
        return path

    def check_accessibility(self, page: Page, label: str, js: bool) -> None:
        target = page if js else self._audit_copy(page)
        results = self.axe.run(target)
        violations = results.response["violations"]
        self.checked.append((label, page.url, len(violations)))
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            raise A11yViolation(f"axe on {label} ({page.url}):\n{results.generate_report()}")

    def _audit_copy(self, page: Page) -> Page:
        """A JavaScript-enabled page showing `page`'s DOM as it is, for axe to run in."""
        if self._auditor is None:
            self._auditor_context = self.browser.new_context()
            self._auditor = self._auditor_context.new_page()
        html = page.content()
        auditor = self._auditor

        def serve(route: Route) -> None:
            kind = route.request.resource_type
            if kind == "document":
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            elif kind == "script":
                route.abort()
            else:
                route.continue_()

        auditor.unroute("**/*")
        auditor.route("**/*", serve)
        auditor.goto(page.url)
        return auditor

    def close(self) -> None:
        if self._auditor_context is not None:
            self._auditor_context.close()
