"""An affiliate's web site for the embedding tests: a real HTTP server on another origin whose
page pastes the embed snippet, and a `FramedCustomer` who signs up inside that iframe."""
from __future__ import annotations

import contextlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Optional

from playwright.sync_api import Frame, Page, expect

from .browser import Camera
from .customer import STEP_TITLES, Customer
from .server import LiveServer

#: The demo affiliate ACME may be framed from here (config/demo_catalog.toml).
ACME_HOST = ("127.0.0.2", 8002)
#: Nobody registered this origin.
STRANGER_HOST = ("127.0.0.3", 8003)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Energy Deals: switch your electricity</title>
<style>body{{font-family:sans-serif;margin:0 auto;max-width:60rem;padding:1rem}}</style></head>
<body><header><h1>Acme Energy Deals</h1><p>Members save with our partner's plans.</p></header>
<main>
{snippet}
</main><footer><p>Acme Energy Deals, a comparison site.</p></footer></body></html>"""


class HostSite:
    """Serves one page (`/`) with the snippet pasted in, on `host:port`, until stopped."""

    def __init__(self, host: str, port: int, snippet: str):
        self.snippet = snippet
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = PAGE.format(snippet=site.snippet).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"host-{port}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextlib.contextmanager
def serve_host(host: tuple[str, int], snippet: str) -> Iterator[HostSite]:
    """The affiliate's site with `snippet` pasted in, for the `with` block."""
    site = HostSite(*host, snippet)
    try:
        yield site
    finally:
        site.stop()


def snippet(server: LiveServer, code: str = "ACME", query: str = "") -> str:
    """The snippet as the admin shows it (iframe and resizing script)."""
    return (f'<iframe src="{server.url(f"/embed/{code}/")}{query}" id="energy-wizard-{code}" '
            f'title="Sign up for electricity" style="width:100%;min-height:40rem;border:0"></iframe>\n'
            f'<script src="{server.url("/static/embed.js")}" data-wizard-frame="energy-wizard-{code}" async></script>')


class FramedCustomer(Customer):
    """A `Customer` whose wizard is the iframe on an affiliate's page.

    The steps and checks are the page customer's, acting in the frame; screenshots show the
    whole host page (branding and the iframe's size) and axe checks the framed document.
    """

    def __init__(self, host: Page, frame_id: str, server: LiveServer, camera: Camera, js: bool = True):
        self.host = host
        self.frame_id = frame_id
        super().__init__(self._frame(), server, camera, js=js)

    def _frame(self) -> Frame:
        handle = self.host.wait_for_selector(f"iframe#{self.frame_id}", state="attached")
        frame = handle.content_frame()
        assert frame is not None, "the iframe has no document"
        return frame

    def open(self, path: str = "") -> None:
        self.page.wait_for_load_state("load")
        self.settle()

    def when_i_start_signing_up(self) -> None:
        self.open()
        self.mark_document()

    def shot(self, label: str) -> Any:
        self.settle()
        self.camera.count += 1
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-") or "page"
        path = self.camera.folder / f"{self.camera.count:02d}-{name}.png"
        self.host.screenshot(path=str(path), full_page=True)
        if self.js:  # axe needs scripts; the JavaScript run of the same pages checks them
            self.camera.check_accessibility(self.page, label, js=True)  # type: ignore[arg-type]
        return path

    def on_step(self, slug: str, number: Optional[int] = None, total: Optional[int] = None,
                label: Optional[str] = None, url: Any = None) -> None:
        expect(self.heading).to_have_text(STEP_TITLES[slug])
        if number is not None:
            expect(self.page.locator("p.progress")).to_have_text(f"Step {number} of {total}: {STEP_TITLES[slug]}")
        self.settle()
        self.urls.append(self.page.url)
        self.shot(label or slug)

    then_i_am_on_step = on_step

    def then_i_am_enrolled(self) -> str:
        expect(self.heading).to_have_text("You're enrolled")
        number = self.page.locator(".enrollment-number")
        expect(number).to_have_text(re.compile(r"^EN-[A-Z0-9]{8}$"))
        self.shot("confirmation")
        return number.inner_text()

    def frame_height(self) -> float:
        return self.host.locator(f"iframe#{self.frame_id}").evaluate("f => f.getBoundingClientRect().height")
