"""A small HTTP client for the benchmarks: one connection per request (gunicorn's sync workers close it)."""
from __future__ import annotations

import gzip
import http.client
import re
import time
import urllib.parse
from typing import Any, Optional

from bench.common import BenchError


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
