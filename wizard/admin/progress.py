"""The page of a long job started from the admin (an import): its progress while it runs, then its result.

While the job runs htmx polls the page's `progress` block every 2 seconds; without JavaScript a
`<meta http-equiv=refresh>` inside `<noscript>` reloads it (not a script: the Content-Security-Policy
does not govern it; `admin/_progress.html` holds that head). When the job ends the partial answers
286, htmx's status that ends the polling, with the `outcome` block out of band so the live region
tells screen readers once. The job writes its progress to its database row, so any process on any
host serves the page.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import make_response, render_template
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response

from wizard.core.models import utcnow
from wizard.core.rendering import wants_partial

#: htmx's answer that ends the polling (and is still swapped in).
STOP_POLLING = 286


def stalled(running: bool, updated_at: dt.datetime, after: dt.timedelta) -> bool:
    """A running job that has written no progress for `after` has stopped (its process ended)."""
    return running and utcnow() - updated_at > after


def progress_page(template: str, title: str, context: dict[str, Any]) -> Response:
    """The whole page, or for htmx's poll its `progress` block (and, once ended, its `outcome`)."""
    if wants_partial():
        html = render_block(template, "progress", **context)
        if not context["running"]:
            html += render_block(template, "outcome", oob=True, **context)
        return make_response(html, 200 if context["running"] else STOP_POLLING)
    return make_response(render_template(template, title=title, **context))
