"""Page or partial: the one place that decides what an htmx request gets."""
from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block

from .extensions import htmx

PANEL_BLOCK = "panel"


def wants_partial() -> bool:
    """An htmx swap, not a history restore (which needs the whole page)."""
    return bool(htmx) and not htmx.history_restore_request


def render_page(template: str, status: int = 200, **context: Any) -> Response:
    """The whole page, or only its panel block for htmx; the URL is pushed on success."""
    if wants_partial():
        # The header (sign-in state, the language switch's way back to this page): swapped out of band.
        html = render_block(template, PANEL_BLOCK, partial=True, **context) + \
            render_template("_account_nav.html", oob=True, **context)
        response = make_response(html, status)
        if status == 200 and request.method == "GET":
            response.headers["HX-Push-Url"] = request.full_path.rstrip("?")
        return response
    return make_response(render_template(template, partial=False, **context), status)
