"""Where a sign-in form may send the browser afterwards: a path on this site, nothing else.

A `next` parameter is typed by whoever wrote the link, so it is parsed, never pattern-matched:
browsers drop tabs and newlines and read a backslash as a slash, which turns `/\\t/evil.example`
or `/\\evil.example` into `//evil.example`, another site. Anything with a control character or a
backslash is refused outright; the rest is parsed and resolved against this request's own
origin, and kept only if it stays there as a path beginning with a single "/".
"""
from __future__ import annotations

from typing import Optional
from urllib.parse import urljoin, urlsplit, urlunsplit

from flask import request
from werkzeug.urls import iri_to_uri


def safe_next(target: Optional[str], default: str, *, under: str = "/") -> str:
    """`target` as a path on this site below `under`, or `default` when it could leave it."""
    if not target or any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in target):
        return default
    if not target.startswith("/") or target.startswith("//"):  # "//host" leaves the site
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    origin = urlsplit(request.host_url)
    resolved = urlsplit(urljoin(request.host_url, target))
    if (resolved.scheme, resolved.netloc) != (origin.scheme, origin.netloc):
        return default
    if not (resolved.path == under.rstrip("/") or resolved.path.startswith(under.rstrip("/") + "/")):
        return default
    # Only the path and query: an ASCII Location header, quoted as a browser would send it.
    return iri_to_uri(urlunsplit(("", "", resolved.path, resolved.query, "")))
