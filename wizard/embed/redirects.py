"""Post/redirect/get inside an iframe that keeps no cookie: the server follows the redirect.

The wizard answers every accepted form with a redirect to the next page. A browser that stores
no cookie in an affiliate's iframe would arrive at that page with no session, and the session
may not travel in the URL. So for an embedded request that came without the embed cookie, this
middleware follows the wizard's own redirects itself, handing the session from the redirect's
`Set-Cookie` to the next request, and answers the page the browser would have landed on. htmx
puts that page's address in the address bar (`HX-Push-Url`, set by the page itself).
"""
from __future__ import annotations

import io
from http.cookies import SimpleCookie
from typing import Any, Callable, Iterable, Optional
from urllib.parse import urlsplit

from werkzeug.test import run_wsgi_app

from wizard.core.sessions import EMBED_PREFIX, EMBED_SESSION_HEADER

FOLLOWED = (301, 302, 303)
#: A wizard never chains more redirects than this; a loop ends with the last redirect answered.
MAX_HOPS = 5

StartResponse = Callable[..., Any]


class FollowEmbedRedirects:
    """WSGI middleware: see the module docstring."""

    def __init__(self, app: Callable[..., Iterable[bytes]], cookie_name: str):
        """Wrap `app`; `cookie_name` is the embed session cookie's name."""
        self.app = app
        self.cookie_name = cookie_name

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(EMBED_PREFIX) or self._has_cookie(environ):
            return self.app(environ, start_response)
        for _ in range(MAX_HOPS):
            app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
            target = self._internal_target(int(status[:3]), headers.get("Location"), environ)
            if target is None:
                break
            token = self._session_from(headers.getlist("Set-Cookie")) or environ.get(_header_key())
            environ = _get_environ(environ, target, token)
        start_response(status, headers.to_wsgi_list())
        return app_iter

    def _has_cookie(self, environ: dict[str, Any]) -> bool:
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(environ.get("HTTP_COOKIE", ""))
        except Exception:  # an unreadable Cookie header counts as none  # nosec B110
            return False
        return self.cookie_name in cookies and bool(cookies[self.cookie_name].value)

    def _session_from(self, set_cookies: list[str]) -> Optional[str]:
        for header in set_cookies:  # "name=value; Path=...": only the first pair matters here
            name, _, value = header.split(";", 1)[0].partition("=")
            if name.strip() == self.cookie_name and value.strip():
                return value.strip().strip('"')
        return None

    @staticmethod
    def _internal_target(status: int, location: Optional[str], environ: dict[str, Any]) -> Optional[str]:
        """The path (and query) of a redirect to another embedded page on this host, else None."""
        if status not in FOLLOWED or not location:
            return None
        parts = urlsplit(location)
        if parts.netloc and parts.netloc != environ.get("HTTP_HOST"):
            return None
        if not parts.path.startswith(EMBED_PREFIX):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")


def _header_key() -> str:
    return "HTTP_" + EMBED_SESSION_HEADER.upper().replace("-", "_")


def _get_environ(environ: dict[str, Any], target: str, token: Optional[str]) -> dict[str, Any]:
    """The environ of the GET the browser would send to `target`, with the session as a header."""
    path, _, query = target.partition("?")
    followed = {k: v for k, v in environ.items() if k not in ("CONTENT_TYPE", "CONTENT_LENGTH")}
    followed.update({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                     "wsgi.input": io.BytesIO(b"")})
    if token:
        followed[_header_key()] = token
    else:
        followed.pop(_header_key(), None)
    return followed
