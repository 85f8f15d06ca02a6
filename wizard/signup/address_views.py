"""The address lookup's routes, on the signup blueprint (so the embedded wizard has them too).

Both are POSTs carrying the CSRF token: what the customer types never goes into a URL. A search
from htmx answers the results alone; without JavaScript "Find my address" keeps the page's
typed input in the draft and shows the step again with the results (post/redirect/get).
Choosing an address is checked on the server (address_lookup.check_choice) before it fills anything.
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from werkzeug.wrappers import Response

from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.rendering import wants_partial

from . import address_lookup as lookup
from . import drafts, journey
from .context import DraftContext
from .steps import BY_SLUG, STEPS, reconcile
from .views import bp, go_on, step_url, typed_input

#: Where "I can't find my address" leads on each step, and what it says.
MANUAL = {"utility": ("utility-0", _l("choose the utility below.")),
          "premise": ("esi_id", _l("type the address in the fields below, with the ESI ID from an electricity bill."))}


def _changing() -> dict[str, Any]:
    return {"change": 1} if request.args.get("change") else {}


def _open(slug: str, *, whole_page: bool = True) -> tuple[Any, DraftContext, dict[str, str]] | Response:
    """The draft, its context and what was typed on the step's page; or where to go instead.

    `whole_page=False` (the typeahead's search, many a second at busy times) reads the one field
    searched instead of building the step's form: what else was typed is not kept by a search."""
    if slug not in lookup.QUERY_FIELD:
        abort(404)
    draft = drafts.current()
    if draft is None or draft.enrollment_id:
        return redirect(step_url("zip"), 303)
    ctx = DraftContext(draft.answers, db.session, today())
    if not journey.can_visit(STEPS, ctx.answers, slug):
        target = journey.first_unanswered(STEPS, ctx.answers)
        return redirect(step_url(target.slug if target else "review"), 303)
    if not ctx.is_texas:
        abort(404)  # the premise table is ERCOT's: Texas only
    if not whole_page:
        field = lookup.QUERY_FIELD[slug]
        return draft, ctx, {field: request.form.get(field, "")[:200]}
    form = BY_SLUG[slug].form()
    form.prepare(ctx)
    return draft, ctx, typed_input(form)


def _back_to(slug: str) -> Response:
    return redirect(step_url(slug, **_changing()) + "#address-results", 303)


@bp.post("/<slug>/find-address")
def find_address(slug: str) -> Response:
    """Search the ZIP's premises for the street address typed on the utility or premise step."""
    partial = wants_partial()
    opened = _open(slug, whole_page=not partial)
    if isinstance(opened, Response):
        return opened
    draft, ctx, typed = opened
    allowed = lookup.within_rate_limit()
    if partial:
        state = lookup.PageState(results=lookup.search(ctx, typed.get(lookup.QUERY_FIELD[slug], ""))) if allowed \
            else lookup.PageState(problem=lookup.Problem("rate_limited", lookup.RATE_LIMITED))
        anchor, text = MANUAL[slug]
        response = make_response(render_template("signup/_address_results.html", lookup=state, slug=slug,
                                                 manual_anchor=anchor, manual_text=text, oob=True,
                                                 changing=bool(_changing())))
        response.headers["Vary"] = "HX-Request"
        return response
    state = {lookup.FIND: "1"} if allowed else {lookup.PROBLEM: "rate_limited"}
    drafts.save(draft, lookup.keep_state(ctx.answers, slug, typed, state))
    return _back_to(slug)


@bp.post("/<slug>/use-address")
def use_address(slug: str) -> Response:
    """Take the address chosen from the results: checked, then it fills the utility (and, on the
    premise step, the address and the ESI ID). "Use this address and change my utility" sends
    `confirm_premise` instead of `premise`."""
    opened = _open(slug)
    if isinstance(opened, Response):
        return opened
    draft, ctx, typed = opened
    confirmed = request.form.get("confirm_premise", "")
    esi_id = (confirmed or request.form.get("premise", "")).strip()
    if not lookup.within_rate_limit():
        drafts.save(draft, lookup.keep_state(ctx.answers, slug, typed, {lookup.PROBLEM: "rate_limited"}))
        return _back_to(slug)
    try:
        pick = lookup.check_choice(ctx, esi_id, utility_change=slug == "utility" or bool(confirmed))
    except lookup.Refused as refused:
        state = {lookup.FIND: "1", lookup.PROBLEM: refused.problem.kind, lookup.PROBLEM_ESI: esi_id[:22]}
        drafts.save(draft, lookup.keep_state(ctx.answers, slug, typed, state))
        return _back_to(slug)
    answers = lookup.apply_pick(ctx.answers, pick, slug, typed)
    answers = reconcile(answers, DraftContext(answers, db.session, ctx.today))
    return _go_on(draft, ctx, answers, pick, slug)


def _go_on(draft: Any, ctx: DraftContext, answers: dict[str, Any], pick: lookup.Pick, slug: str) -> Response:
    """Save the chosen address and show where the customer goes next, saying what changed."""
    notice = lookup.move_in_notice(pick)
    if slug == "utility":
        served = _("%(address)s is served by %(utility)s.", address=pick.label, utility=pick.utility.name)
        flash(f"{served} {notice}" if notice else served, "success")
        return go_on(draft, answers, slug)
    url = step_url("premise", **_changing())
    if ctx.utility is not None and pick.utility.code != ctx.utility.code:
        if "plan" in answers:
            flash(_("Your utility is now %(utility)s. Your plan stays; its average prices change with "
                    "%(utility)s's delivery charges (see them on the plans page).", utility=pick.utility.name), "info")
        else:
            flash(_("Your utility is now %(utility)s. Your plan is not offered with it: choose a plan, "
                    "then you come back to your address.", utility=pick.utility.name), "info")
            url = step_url("plans", change=1)
    drafts.save(draft, answers)
    return redirect(url, 303)
