"""The origins whose pages may frame an affiliate's wizard: what staff may list, and its one spelling.

An origin is `scheme://host[:port]`, as a browser sends it in `Origin` and matches it in CSP
`frame-ancestors`: lower case, no default port, nothing after the host. Plain http is only for a
test page on the same computer; a real site is framed over https.
"""
from __future__ import annotations

import ipaddress
from typing import Optional
from urllib.parse import urlsplit

#: More would be a sign of a shared snippet, not an affiliate's own sites.
MAX_ORIGINS = 20
DEFAULT_PORTS = {"https": 443, "http": 80}
_HOST_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-.")


def _is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or [::1]: a page on the computer itself."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_problem(host: str) -> Optional[str]:
    """Why `host` (lower case; an IPv6 address in brackets, already checked) is not a host, or None."""
    if host.startswith("["):
        return None
    labels = host.split(".")
    if not set(host) <= _HOST_CHARS or len(host) > 253 or any(
            not label or label.startswith("-") or label.endswith("-") or len(label) > 63 for label in labels):
        return "is not a valid host name"
    return None


def clean_origin(text: str) -> tuple[Optional[str], Optional[str]]:
    """One origin as typed -> (its one spelling, None), or (None, why it is not an origin)."""
    typed = text.strip()
    if "*" in typed:
        return None, (f"“{typed}” has a wildcard (*). List each site's origin on its own line, "
                      "like https://www.example.com.")
    if "://" not in typed:
        return None, f"“{typed}” is not an origin: write it with its scheme, like https://www.example.com."
    try:
        parts = urlsplit(typed)
    except ValueError:  # a bracketed host that is no IPv6 address
        return None, f"“{typed}” does not have a valid host name."
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None, f"“{typed}” is not a web origin: it must start with https://."
    if "@" in parts.netloc:
        return None, f"“{typed}” has a user name or password in it: give only https:// and the host."
    if parts.query or parts.fragment or "?" in typed or "#" in typed:
        return None, (f"“{typed}” has a query or fragment (? or #): give only the origin, "
                      f"like {scheme}://{parts.netloc}.")
    if parts.path not in ("", "/"):
        return None, (f"“{typed}” has a path ({parts.path}): give only the origin, like {scheme}://{parts.netloc}. "
                      "Every page of that site may then frame the wizard.")
    try:
        port = parts.port
    except ValueError:
        return None, f"“{typed}” has a port that is not a number from 1 to 65535."
    host = parts.hostname or ""  # lower case, an IPv6 address without its brackets
    if not host:
        return None, f"“{typed}” has no host name: write it like https://www.example.com."
    if ":" in host:
        host = f"[{host}]"
    elif not host.isascii():
        try:  # an internationalised name, as browsers send it
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None, f"“{typed}” does not have a valid host name."
    problem = _host_problem(host)
    if problem:
        return None, f"“{typed}”: {host} {problem}."
    if port == 0:
        return None, f"“{typed}” has a port that is not a number from 1 to 65535."
    if scheme == "http" and not _is_loopback(host):
        return None, (f"“{typed}” uses http://, which is only for a test page on this computer (localhost or "
                      f"127.0.0.1). Use https:// for a real site: https://{host}{f':{port}' if port else ''}.")
    shown_port = f":{port}" if port and port != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown_port}", None


def clean_origins(text: str) -> tuple[list[str], list[str]]:
    """Origins typed one per line -> (their spellings without duplicates, in order; the problems found).

    Empty lines are skipped; each problem names its line.
    """
    origins: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin, problem = clean_origin(line)
        if problem:
            problems.append(f"Line {number}: {problem}")
        elif origin not in origins:
            origins.append(origin)  # type: ignore[arg-type]
    if not problems and len(origins) > MAX_ORIGINS:
        problems.append(f"List at most {MAX_ORIGINS} origins; there are {len(origins)}. "
                        "Keep the sites the affiliate really uses.")
    return origins, problems
