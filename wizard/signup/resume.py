"""Save and return: "Finish later" emails a single-use link that resumes the draft on any device.

The link carries a random token (wizard/mail/tokens.py keeps only its hash), never the draft id,
and works until the draft's time to live runs out; a new "Finish later" revokes the older links.
Opening the link shows one button: mail scanners fetch every link in an email, and a GET that
used the token up would leave the customer a dead link. The button's POST takes the token, binds
the draft to this browser's session and goes on at the step the customer left.

Routes live on the signup blueprint, so an affiliate's embedded wizard has them too
(`/embed/<affiliate>/signup/...`): a link sent from there opens that wizard, top-level.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from wizard.core import i18n
from wizard.core.extensions import db, limiter
from wizard.core.forms import SafeForm
from wizard.core.models import utcnow
from wizard.mail.links import link as external_url
from wizard.mail.links import seal
from wizard.core.rendering import render_page
from wizard.embed import frames
from wizard.mail import tokens
from wizard.mail.formats import market_moment
from wizard.mail.outbox import queue

from . import drafts, journey
from .models import Draft
from .resume_mails import RESUME_DRAFT
from .steps import STEPS
from .views import bp, step_url
from .waitlist import WaitlistForm

#: The session's note of the last link sent, for the "check your email" page.
SENT_KEY = "finish_later_sent"


class FinishLaterForm(WaitlistForm):
    """The address to email the link to (the wait list's field and check)."""


class ResumeForm(SafeForm):
    """Only a button: the link is used up by this POST, never by fetching the page."""


def _hours() -> int:
    return int(current_app.config["DRAFT_TTL"].total_seconds() // 3600)


def email_resume_link(draft: Draft, to: str) -> dt.datetime:
    """Queue the email with a new link to `draft` (older links stop working) and renew the draft,
    in one commit; answer until when the link works (naive UTC)."""
    lifetime = current_app.config["DRAFT_TTL"]  # the draft is renewed below: the link lives as long
    until = utcnow() + lifetime
    tokens.revoke(db.session, RESUME_DRAFT, draft.id)
    token = tokens.issue(db.session, RESUME_DRAFT, draft.id, lifetime)
    affiliate = frames.affiliate()
    queue(db.session, RESUME_DRAFT, to, {
        "link": seal(external_url(".resume", token=token)), "expires_at": until.isoformat(), "hours": _hours(),
        "supplier": current_app.config["SUPPLIER_NAME"],
        "affiliate_name": (affiliate.display_name or affiliate.name) if affiliate else None},
        language=draft.answers.get("language") or i18n.language())
    drafts.save(draft, draft.answers)  # commits the token and the message with the draft's new life
    return until


def resume_target(draft: Draft) -> str:
    """Where a resumed draft goes on: the step it was left on, if it may still be visited, else
    the first unanswered step."""
    left_at = draft.answers.get(drafts.LEFT_AT)
    if isinstance(left_at, str) and journey.can_visit(STEPS, draft.answers, left_at):
        return step_url(left_at)
    first = journey.first_unanswered(STEPS, draft.answers)
    return step_url(first.slug) if first else url_for(".review")


def _finish_later_limit() -> str:
    return current_app.config["FINISH_LATER_RATE_LIMIT"]


def _lookup_limit() -> str:
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _sends_nothing() -> bool:
    return request.method != "POST" or request.form.get("nav") in ("back", "later")


@bp.route("/finish-later", methods=["GET", "POST"])
@limiter.limit(_finish_later_limit, exempt_when=_sends_nothing, scope="finish-later")
def finish_later() -> Response:
    """Ask where to email a link that resumes this draft on any device, and send it."""
    draft = drafts.current()
    if draft is None or draft.enrollment_id:
        return redirect(url_for(".start"), 303)
    nav = request.form.get("nav") if request.method == "POST" else None
    if nav == "back":  # "Back to my answers"
        return redirect(resume_target(draft), 303)
    if nav == "later":  # the review page's button (its form posts here)
        return redirect(url_for(".finish_later"), 303)
    sent = session.get(SENT_KEY)
    form = FinishLaterForm(data={"email": (sent.get("to") if isinstance(sent, dict) else None)
                                 or draft.answers.get("email")})
    if form.validate_on_submit():
        until = email_resume_link(draft, form.email.data)
        session[SENT_KEY] = {"to": form.email.data, "until": until.isoformat()}
        return redirect(url_for(".finish_later_sent"), 303)
    status = 422 if request.method == "POST" else 200
    return render_page("signup/finish_later.html", status, title=_("Finish later"), form=form, hours=_hours())


@bp.get("/finish-later/sent")
def finish_later_sent() -> Response:
    """Where the link went and until when it works."""
    sent = session.get(SENT_KEY)
    if drafts.current() is None or not isinstance(sent, dict):
        return redirect(url_for(".start"))
    until = market_moment(dt.datetime.fromisoformat(sent["until"]))
    return render_page("signup/finish_later_sent.html", title=_("Check your email"), to=sent["to"], until=until,
                       form=ResumeForm())


def _live_draft(draft_id: Optional[str]) -> Optional[Draft]:
    """The token's draft if it still exists and belongs to this wizard (our site or this affiliate's)."""
    draft = db.session.get(Draft, draft_id) if draft_id else None
    if draft is None or draft.expires_at <= utcnow():
        return None
    embed = frames.affiliate()
    if embed is not None and draft.answers.get("affiliate") != embed.code:
        return None
    return draft


@bp.route("/resume/<token>", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, exempt_when=lambda: request.method != "POST", scope="resume")
def resume(token: str) -> Response:
    """The emailed link: a button (GET), which uses the link up and resumes the draft here (POST)."""
    if request.method == "GET":
        draft = _live_draft(tokens.peek(db.session, RESUME_DRAFT, token))
        if draft is None:
            return render_page("signup/resume_refused.html", 410, title=_("This link has expired"), hours=_hours())
        if draft.enrollment_id:
            return render_page("signup/resume_finished.html", title=_("You've finished this signup"))
        return render_page("signup/resume.html", title=_("Finish signing up"), form=ResumeForm())
    # The POST passed the CSRF check (CSRFProtect, before any view): another site's form uses nothing up.
    draft = _live_draft(tokens.take(db.session, RESUME_DRAFT, token))
    if draft is None or draft.enrollment_id:
        db.session.commit()
        if draft is None:
            return render_page("signup/resume_refused.html", 410, title=_("This link has expired"), hours=_hours())
        return render_page("signup/resume_finished.html", title=_("You've finished this signup"))
    session[drafts.SESSION_KEY] = draft.id
    session.permanent = True
    if draft.answers.get("language") in i18n.LANGUAGES:  # the draft's language, in this browser too
        i18n.choose(draft.answers["language"])
    target = resume_target(draft)
    drafts.save(draft, {k: v for k, v in draft.answers.items() if k != drafts.LEFT_AT})  # commits the take
    return redirect(target, 303)
