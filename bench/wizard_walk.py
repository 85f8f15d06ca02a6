"""Walking the wizard like a browser with the tests' own answers: every step, a submit, a draft for the mix."""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from bench.common import BenchError
from bench.http_client import Client, Resp, expect
from tests.helpers import ACKS, DALLAS_SWITCH, csrf_token  # the tests' own answers


def walk(client: Client, answers: dict[str, dict[str, Any]], *, until: Optional[str] = None,
         headers: Optional[dict[str, str]] = None, on_page: Optional[Callable[[str, Resp], None]] = None,
         on_post: Optional[Callable[[str, Resp], None]] = None) -> Resp:
    """Answer the steps in order like a browser: GET the page, POST its form, follow the 303.

    Answers the page of `until` without posting it (or the review page when `until` is None).
    """
    page = expect(client.get("/signup/zip", headers=headers), 200, "first page")
    for slug, data in answers.items():
        if page.path.split("?")[0] != f"/signup/{slug}":
            raise BenchError(f"expected the {slug} step, the wizard went to {page.path}")
        if on_page:
            on_page(slug, page)
        if slug == until:
            return page
        posted = client.post(f"/signup/{slug}", {**data, "csrf_token": csrf_token(page.text)}, headers=headers)
        expect(posted, 303, f"answering {slug}")
        if on_post:
            on_post(slug, posted)
        page = expect(client.get(posted.location, headers=headers), 200, f"page after {slug}")
    if page.path != "/signup/review":
        raise BenchError(f"expected the review page, the wizard went to {page.path}")
    if on_page:
        on_page("review", page)
    return page


def submit(client: Client, review: Resp, headers: Optional[dict[str, str]] = None) -> tuple[Resp, Resp]:
    """Confirm the four statements and enroll; answers (submit response, confirmation page)."""
    posted = expect(client.post("/signup/review", {**ACKS, "csrf_token": csrf_token(review.text)},
                                headers=headers), 303, "review submit")
    if posted.location != "/signup/confirmation":
        raise BenchError(f"review submit went to {posted.location}, not the confirmation")
    page = expect(client.get(posted.location, headers=headers), 200, "confirmation")
    if not re.search(r'class="enrollment-number">EN-', page.text):
        raise BenchError("the confirmation shows no enrollment number")
    return posted, page


def answers_for(username: str) -> dict[str, dict[str, Any]]:
    """DALLAS_SWITCH with a unique username (and e-mail)."""
    answers = {slug: dict(data) for slug, data in DALLAS_SWITCH.items()}
    answers["credentials"]["username"] = username
    answers["about-you"]["email"] = f"{username}@example.com"
    return answers


def prepare_draft(port: int, n: int) -> tuple[str, str]:
    """A draft at the referral step (answered once, so the plans page shows): (cookie, csrf token)."""
    client = Client(port)
    page = walk(client, DALLAS_SWITCH, until="referral")
    token = csrf_token(page.text)
    expect(client.post("/signup/referral", {"referral": "friend", "csrf_token": token}), 303, "referral")
    cookie = f"signup={client.cookies['signup']}"
    # The three requests of the mix, checked once in Python before wrk repeats them.
    replay = Client(port)
    replay.cookies = dict(client.cookies)
    expect(replay.get("/signup/plans"), 200, "plans page of a prepared draft")
    expect(replay.get("/signup/referral"), 200, "referral page of a prepared draft")
    expect(replay.post("/signup/referral", {"referral": "friend", "csrf_token": token}), 303,
           "referral answer of a prepared draft")
    return cookie, token
