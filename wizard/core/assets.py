"""Static files under content-hashed names, cached for a year; plain names are not cached long.

`url_for("static", filename="app.css")` gives `/static/app.<hash>.css`, so a new release never
meets a stale copy in a browser or CDN, and an unchanged file is never fetched twice.
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")
YEAR = 365 * 24 * 3600


def _digests(folder: Path) -> dict[str, str]:
    """filename -> hashed filename, for every file in the static folder."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = path.relative_to(folder).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            out[name] = f"{name[:-len(path.suffix)] if path.suffix else name}.{digest}{path.suffix}"
    return out


def init_app(app: Flask) -> None:
    """Hash the static files' names in URLs and serve them with the right cache lifetime."""
    folder = Path(app.static_folder)
    digests = _digests(folder)
    originals = {hashed: name for name, hashed in digests.items()}
    app.extensions["asset_digests"] = digests

    @app.url_defaults
    def hashed_name(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in digests:
            values["filename"] = digests[values["filename"]]

    def static(filename: str) -> Response:
        name, max_age = originals.get(filename), YEAR
        if name is None:
            name, max_age = filename, 0  # an old or unhashed name: always revalidate
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents or not path.is_file():
            abort(404)
        response = Response(path.read_bytes(), mimetype=mimetypes.guess_type(path.name)[0]
                            or "application/octet-stream")
        response.cache_control.public = True
        response.cache_control.max_age = max_age
        if max_age:
            response.cache_control.immutable = True
        else:
            response.cache_control.no_cache = True
        return response

    app.view_functions["static"] = static
