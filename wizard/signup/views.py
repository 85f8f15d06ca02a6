"""The signup wizard's routes: validate -> store -> redirect (POST/redirect/GET), or re-render."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from billing.models import Enrollment
from wizard.account.logins import account_of, sign_in
from wizard.catalog import offers as catalog
from wizard.catalog.models import Plan, State
from wizard.core import dates
from wizard.core.dates import today
from wizard.core import i18n
from wizard.core.extensions import db, limiter
from wizard.core.redirects import safe_next
from wizard.core.rendering import render_page
from wizard.embed import frames
from wizard.enrollments.wording import plan_name, status_name

from . import address_lookup, attribution, drafts, funnel, journey, mails  # mails: registers the enrollment emails
from .context import DraftContext
from .enrollment import ConsentEvidence, NotReady, UsernameTaken, start_another_premise, submit
from .forms import ReviewForm
from .models import Draft
from .review import summary
from .steps import BY_SLUG, STEPS, Step, reconcile
from .waitlist import WaitlistForm, join_waitlist

bp = Blueprint("signup", __name__, url_prefix="/signup")

LOOKUP_STEPS = {"zip", "promo"}


def _lookup_limit() -> str:
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _not_lookup() -> bool:
    return request.method != "POST" or request.view_args.get("slug") not in LOOKUP_STEPS


def _not_sign_in() -> bool:
    return request.method != "POST" or request.view_args.get("slug") != "sign-in"


def _availability_limit() -> str:
    return current_app.config["AVAILABILITY_RATE_LIMIT"]


def _not_availability_check() -> bool:
    """Each credentials POST asks whether a username is free: counted, so "taken" lists nobody."""
    return request.method != "POST" or request.view_args.get("slug") != "credentials"


def step_url(slug: str, **args: Any) -> str:
    """URL of a step (review has its own route)."""
    if slug == "review":
        return url_for(".review", **args)
    return url_for(".step", slug=slug, **args)


def _redirect_to(step: Step | None) -> Response:
    return redirect(step_url(step.slug) if step else url_for(".review"), 303)


def _context(draft: Draft | None) -> DraftContext:
    """The draft's answers; before there is one, what a new draft on this wizard begins with."""
    return DraftContext(draft.answers if draft else drafts.entry_answers(), db.session, today())


def _page(step: Step, form: Any, ctx: DraftContext, status: int = 200, **extra: Any) -> Response:
    number, total = journey.position(STEPS, ctx.answers, step.slug)
    previous = journey.previous_step(STEPS, ctx.answers, step.slug)
    if step.slug in address_lookup.QUERY_FIELD:
        extra.setdefault("lookup", address_lookup.page_state(ctx, step.slug))
    return render_page(step.template, status, title=step.title, step=step, form=form, ctx=ctx, number=number,
                       total=total, previous=previous, changing=bool(request.args.get("change")),
                       **extra)


@bp.get("/")
def start() -> Response:
    """Resume the browser's draft at its first unanswered step, or begin at the ZIP."""
    draft = drafts.current()
    if draft is None:
        return redirect(url_for(".step", slug="zip"))
    if draft.enrollment_id:
        return redirect(url_for(".confirmation"))
    return _redirect_to(journey.first_unanswered(STEPS, draft.answers))


@bp.route("/<slug>", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, exempt_when=_not_lookup, scope="lookup")
@limiter.limit(_login_limit, exempt_when=_not_sign_in, scope="sign-in")
@limiter.limit(_availability_limit, exempt_when=_not_availability_check, scope="availability")
def step(slug: str) -> Response:
    """Show a step, or take its answer and go on to the next one."""
    step = BY_SLUG.get(slug)
    if step is None or slug == "review":
        abort(404)
    draft = drafts.current()
    if draft is not None and draft.enrollment_id:
        return redirect(url_for(".confirmation"), 303)
    ctx = _context(draft)
    if not journey.can_visit(STEPS, ctx.answers, slug):
        return _redirect_to(journey.first_unanswered(STEPS, ctx.answers))
    if request.method in ("GET", "HEAD"):  # HEAD answers as GET does, without the body
        return _page(step, step.form_for(ctx), ctx)
    form = step.form()
    form.prepare(ctx)
    if request.form.get("nav") in ("back", "later"):
        return _go_back(step, form, draft, ctx)
    if request.form.get(SWITCH) in i18n.LANGUAGES:
        return _switch_language(step, form, draft, ctx)
    if not form.validate():
        return _page(step, form, ctx, status=422)
    answers = {**ctx.answers, **step.answers_from(form, ctx)}
    answers.get("_unsaved", {}).pop(slug, None)
    answers = reconcile(answers, DraftContext(answers, db.session, ctx.today))
    draft = draft or drafts.start()
    if slug == "zip" and not answers["utilities"]:
        drafts.save(draft, answers)
        return redirect(url_for(".not_served"), 303)
    return go_on(draft, answers, slug)


def go_on(draft: Draft, answers: dict[str, Any], slug: str) -> Response:
    """Save the answers of step `slug` and go on: to the next step, or to the first unanswered one
    after changing an answer from the review page."""
    if request.args.get("change"):
        target = journey.first_unanswered(STEPS, answers)
    else:
        target = journey.next_step(STEPS, answers, slug)
    # The funnel counts the step the customer goes on to, in the same commit as the answers:
    # showing a step (a GET) never writes.
    funnel.record(db.session, draft.id, target.slug if target else "review", answers.get("affiliate"),
                  attribution.sub_id(answers))
    drafts.save(draft, answers)
    return _redirect_to(target)


def typed_input(form: Any) -> dict[str, str]:
    """What was typed on a step's page, as Back keeps it: never secrets, tokens or buttons."""
    return {name: field.raw_data[0] for name, field in form._fields.items()
            if field.raw_data and name not in form.sensitive
            and name != "csrf_token" and field.type not in ("SubmitField", "PasswordField")}


def _go_back(step: Step, form: Any, draft: Draft | None, ctx: DraftContext) -> Response:
    """Back (or Finish later): keep what was typed on this page (never secrets), then show the
    previous step (or the page that emails a link back to this one, wizard/signup/resume.py)."""
    later = request.form.get("nav") == "later"
    previous = journey.previous_step(STEPS, ctx.answers, step.slug)
    if draft is not None:
        typed = typed_input(form)
        unsaved = drafts.keep_unsaved(ctx.answers.get("_unsaved", {}), step.slug, typed)
        drafts.save(draft, {**ctx.answers, "_unsaved": unsaved, **({drafts.LEFT_AT: step.slug} if later else {})})
    if later:
        return redirect(url_for(".finish_later"), 303)
    return redirect(step_url(previous.slug) if previous else url_for(".step", slug="zip"), 303)


#: The language switch's button (in every page's header: templates/_account_nav.html). On a step's
#: page it submits the step's form, so what was typed there is kept as Back keeps it.
SWITCH = "switch_language"


def _switch_language(step: Step, form: Any, draft: Draft | None, ctx: DraftContext) -> Response:
    """The language switch on a step's page (app.js sends the step's form with it, never by htmx):
    keep what was typed (as Back does), remember the language, show the same step again in it."""
    unsaved = drafts.keep_unsaved(ctx.answers.get("_unsaved", {}), step.slug, typed_input(form))
    _remember_language(request.form[SWITCH], draft, {**ctx.answers, "_unsaved": unsaved})
    return redirect(step_url(step.slug, **({"change": 1} if request.args.get("change") else {})), 303)


def _remember_language(code: str, draft: Draft | None, answers: dict[str, Any]) -> None:
    """This browser's language, and the draft's (its emails and the customer's language at the
    billing system follow it), saving `answers` with it."""
    i18n.choose(code)
    if draft is not None:
        drafts.save(draft, {**answers, "language": code})


@bp.post("/language")
def language() -> Response:
    """The language switch on any other page (a form of its own, outside htmx's boost): remember the
    language and show the page again."""
    code = request.form.get(SWITCH, "")
    if code not in i18n.LANGUAGES:
        abort(400)
    draft = drafts.current()
    if draft is not None and draft.enrollment_id:
        draft = None  # an enrollment's draft is finished: its language went with it
    _remember_language(code, draft, draft.answers if draft else {})
    return redirect(safe_next(request.form.get("next"), url_for(".start")), 303)


@bp.route("/not-served", methods=["GET", "POST"])
def not_served() -> Response:
    """ZIP outside the service area: say so plainly and offer to tell them when we serve it."""
    draft = drafts.current()
    zip_code = draft.answers.get("zip") if draft else None
    if not zip_code or draft.answers.get("utilities"):
        return redirect(url_for(".start"))
    form = WaitlistForm()
    joined = False
    if form.validate_on_submit():
        join_waitlist(zip_code, form.email.data)
        joined = True
    status = 422 if request.method == "POST" and not joined else 200
    return render_page("signup/not_served.html", status, title=_("We don't serve your area yet"), form=form, zip_code=zip_code, joined=joined)


@bp.route("/review", methods=["GET", "POST"])
def review() -> Response:
    """Check your answers, confirm the statements, and enroll."""
    draft = drafts.current()
    if draft is not None and draft.enrollment_id:
        return redirect(url_for(".confirmation"), 303)
    ctx = _context(draft)
    if draft is None or not journey.can_visit(STEPS, ctx.answers, "review"):
        return _redirect_to(journey.first_unanswered(STEPS, ctx.answers))
    supplier = current_app.config["SUPPLIER_NAME"]
    statements = [(ack.code, ctx.statement_text(ack, supplier)) for ack in ctx.acknowledgements]
    form = ReviewForm.for_statements(statements)()
    form.prepare(ctx)
    step = BY_SLUG["review"]
    if request.method == "POST":
        if not form.validate():
            return _page(step, form, ctx, status=422, rows=summary(ctx))
        return _submit(draft, ctx, supplier)
    return _page(step, form, ctx, rows=summary(ctx))


def _submit(draft: Draft, ctx: DraftContext, supplier: str) -> Response:
    existing = ctx.answers.get("customer_status") == "existing"
    if existing and (not current_user.is_authenticated or current_user.id != ctx.answers.get("account_id")):
        drafts.save(draft, {k: v for k, v in ctx.answers.items()
                            if k not in ("account_id", "account_via", "another_premise")})
        flash(_("Sign in to My Account again to enroll this address."), "error")
        return redirect(url_for(".step", slug="sign-in"), 303)
    evidence = ConsentEvidence(ip=request.remote_addr, user_agent=request.user_agent.string)
    try:
        enrollment = submit(draft, ctx, evidence, supplier)
    except NotReady as exc:
        flash(exc.message, "error")
        return redirect(step_url(exc.step), 303)
    except UsernameTaken:
        drafts.save(draft, {k: v for k, v in ctx.answers.items() if k not in ("username", "password_hash")})
        flash(_("Someone took that username a moment ago. Choose another one."), "error")
        return redirect(url_for(".step", slug="credentials"), 303)
    funnel.record(db.session, draft.id, funnel.COMPLETED, enrollment.affiliate_code, enrollment.sub_id)
    db.session.commit()
    if not existing:
        sign_in(account_of(enrollment.customer_id))
    if request.form.get("another"):
        drafts.start(start_another_premise(current_user))
        flash(_("Enrollment %(number)s is submitted. Now tell us about the next address.", number=enrollment.number),
              "success")
        return redirect(url_for(".step", slug="zip"), 303)
    return redirect(url_for(".confirmation"), 303)


@bp.get("/confirmation")
def confirmation() -> Response:
    """The enrollment number, plan, dates and what happens next."""
    draft = drafts.current()
    if draft is None or not draft.enrollment_id:
        return redirect(url_for(".start"))
    enrollment = db.session.get(Enrollment, draft.enrollment_id)
    emailed_to = enrollment.customer.email if mails.confirmation_queued(db.session, enrollment) else None
    quote = enrollment.plan_snapshot.get("quote_request")
    return render_page("signup/confirmation.html", title=_("Quote requested") if quote else _("You're enrolled"),
                       enrollment=enrollment, emailed_to=emailed_to, plan_name=plan_name(enrollment, db.session.get(Plan, enrollment.plan_code)),
                       enrollment_status=status_name(enrollment.status),
                       **_dates(enrollment))


def _dates(enrollment: Enrollment) -> dict[str, Any]:
    """Rescission end and first available switch date, counted from the day it was submitted."""
    state = db.session.get(State, enrollment.state)
    rescission = state.rescission_business_days
    submitted = dates.market_day(enrollment.created_at)
    return {"rescission_days": rescission,
            "rescission_ends": dates.rescission_ends(submitted, rescission),
            "first_available": dates.first_available_switch(submitted, rescission)}


@bp.post("/another")
def another() -> Response:
    """Begin a new draft for the signed-in customer's next premise."""
    if not current_user.is_authenticated:
        if frames.embedded():  # My Account's sign-in page may not be framed: sign in at the step
            drafts.start()
            flash(_("Your session ended. Start again with the next address's ZIP code; "
                    "you can sign in to My Account on the way."), "info")
            return redirect(url_for(".step", slug="zip"), 303)
        return redirect(url_for("account.login", next=url_for(".start")), 303)
    drafts.start(start_another_premise(current_user))
    return redirect(url_for(".step", slug="zip"), 303)


@bp.get("/via/<code>")
def via_affiliate(code: str) -> Response:
    """An affiliate's entry point: a draft attributed to the affiliate (and to the link's sub_id and
    utm_* tags), showing its plan set."""
    if frames.embedded():  # an embedded wizard is one affiliate's already
        abort(404)
    affiliate = catalog.active_affiliate(db.session, code)
    if affiliate is None:
        abort(404)
    tags = attribution.from_query(request.args)
    draft = drafts.current()
    if draft is None or draft.enrollment_id or draft.answers.get("affiliate") != affiliate.code:
        drafts.start({"affiliate": affiliate.code, **({"attribution": tags} if tags else {})})
    elif tags and tags != draft.answers.get("attribution"):
        drafts.save(draft, {**draft.answers, "attribution": tags})  # the latest link of the same affiliate counts
    return redirect(url_for(".start"), 303)


@bp.post("/go")
def go() -> Response:
    """A link to another step, sent as a form by embedded pages (see `step_link` in _macros.html):
    the page's session travels in the form, so it works when the browser keeps no cookie."""
    slug = request.form.get("to", "")
    if slug not in BY_SLUG:
        abort(404)
    anchor = request.form.get("anchor", "")
    change = {"change": 1} if request.form.get("change") else {}
    fragment = f"#{anchor}" if anchor.replace("-", "").replace("_", "").isalnum() else ""
    return redirect(step_url(slug, **change) + fragment, 303)


@bp.post("/restart")
def restart() -> Response:
    """Forget this browser's draft and begin again at the ZIP (still with its affiliate, if any)."""
    draft = drafts.current()
    session.pop(drafts.SESSION_KEY, None)
    if draft is not None and draft.answers.get("affiliate"):
        drafts.start({key: draft.answers[key] for key in ("affiliate", "attribution") if key in draft.answers})
    return redirect(url_for(".step", slug="zip"), 303)
