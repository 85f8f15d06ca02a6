"""The agents' routes: the Quick Enrollment screen (one form; its buttons update the plans, find
the address or go to the review), the review with the consent, the enrollment and its
confirmation. Thin: the answers and catalog are `screen`'s, the review's words `review`'s, the
evidence `consent`'s, and every rule the enrollment service's.

A submission key is made when the screen is first shown and travels in a hidden field to the
enrollment: a second submit of the same screen answers the enrollment already made.
"""
from __future__ import annotations

import dataclasses
import re
import secrets
from typing import Any, Mapping, Optional

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from jinja2_fragments.flask import render_block
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from billing.models import Enrollment
from wizard.admin.guard import staff
from wizard.admin.masking import mask_email
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.models import Customer
from wizard.core.rendering import wants_partial
from wizard.core.request_limits import accepts_upload
from wizard.enrollments import service
from wizard.signup import address_lookup

from . import consent, review, screen
from .guard import bp, for_agents

_KEY = re.compile(r"agent-[A-Za-z0-9_-]{32}")
#: The parts of the screen htmx may ask for alone.
PARTS = ("details", "offer", "address_results")


@dataclasses.dataclass(frozen=True)
class Known:
    """The customer of an enrollment this agent made: "enroll another address for this customer"."""

    number: str
    customer: Customer


def _new_key() -> str:
    return "agent-" + secrets.token_urlsafe(24)


def _key(posted: Optional[str]) -> str:
    """The screen's submission key as posted, or a new one if it is missing or not one of ours."""
    return posted if posted and _KEY.fullmatch(posted) else _new_key()


def _made_here(number: str) -> Enrollment:
    """An enrollment made on Quick Enrollment by this agent (any, for an admin); else 404."""
    member = staff()
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.number == number[:20]))
    if enrollment is None or member is None or enrollment.channel != service.AGENT or not (
            member.role == "admin" or enrollment.made_by == member.email):
        abort(404)
    return enrollment


def _known(number: Optional[str]) -> Optional[Known]:
    """The customer of enrollment `number` for "another address" (None without one; 404 if not ours)."""
    return Known(number, _made_here(number).customer) if number else None


def _source() -> service.Source:
    member = staff()
    return service.Source(channel=service.AGENT, made_by=member.email if member else None,
                          plan_channels=screen.PLAN_CHANNELS)


def _posted(known: Optional[Known]) -> tuple[str, dict[str, str], str]:
    """The screen's key, the answers posted and the SSN's seal (the SSN put back in the answers)."""
    key = _key(request.form.get("submission_key"))
    answers = screen.answers_from(request.form, known_customer=known is not None)
    if known is not None:
        answers["customer_type"] = known.customer.customer_type  # the customer's, not asked
    sealed = screen.keep_ssn(answers, request.form.get("identity_sealed", ""), key)
    return key, answers, sealed


@bp.get("/")
@for_agents
def start() -> Response:
    """A new screen; `?for=EN-...`: another address for that enrollment's customer."""
    known = _known(request.args.get("for"))
    answers = screen.answers_from({"customer_type": known.customer.customer_type} if known else {},
                                  known_customer=known is not None)
    return _screen(answers, _new_key(), known)


@bp.post("/")
@for_agents
def screen_post() -> Response:
    """The screen's buttons: update the plans, find or use an address, go to the review."""
    known = _known(request.form.get("for_enrollment"))
    key, answers, sealed = _posted(known)
    action = request.form.get("action", "review")
    part = request.form.get("part") if request.form.get("part") in PARTS else None
    if action == "review":
        try:
            service.check(answers, _source(), customer_id=known.customer.id if known else None)
        except service.Invalid as invalid:
            return _screen(answers, key, known, sealed=sealed, errors=invalid.errors, status=422)
        return _review(answers, key, known, sealed)
    if action in ("find_address", "use_address"):
        return _address_lookup(action, answers, key, known, sealed, part)
    return _screen(answers, key, known, sealed=sealed, part=part)


def _address_lookup(action: str, answers: dict[str, str], key: str, known: Optional[Known], sealed: str,
                    part: Optional[str]) -> Response:
    """The wizard's address lookup on the screen: find the ZIP's premises by the street typed, or
    use the one chosen (checked on the server; it fills the address, city, ESI ID and utility)."""
    ctx = screen.context(answers, db.session, today())
    if not screen.ready(ctx):
        return _screen(answers, key, known, sealed=sealed)
    typed = answers.get("service_line1", "")
    if action == "find_address":
        return _screen(answers, key, known, sealed=sealed, part=part, results=address_lookup.search(ctx, typed))
    try:
        pick = screen.use_premise(answers, ctx, request.form.get("premise", ""))
    except address_lookup.Refused as refused:
        return _screen(answers, key, known, sealed=sealed, address_problem=refused.problem.message,
                       results=address_lookup.search(ctx, typed))
    return _screen(answers, key, known, sealed=sealed,
                   found=f"{pick.label} (ESI ID {pick.premise.esi_id}) is served by {pick.utility.name}.")


@bp.post("/enroll")
@for_agents
@accepts_upload  # a signed contract; past SIGNED_CONTRACT_BYTES the page says so (not a bare 413)
def enroll() -> Response:
    """Enroll, once the statements were read and agreed and the consent's evidence is given."""
    known = _known(request.form.get("for_enrollment"))
    key, answers, sealed = _posted(known)
    ctx = screen.context(answers, db.session, today())
    read = review.statements(ctx, current_app.config["SUPPLIER_NAME"])
    evidence, errors = consent.check(request.form, request.files, read)
    if request.form.get("statement_versions") != review.versions(read):
        errors[""] = ["A statement was changed while you were reading it: read the statements below to the "
                      "customer again."]
    if errors or evidence is None:
        return _review(answers, key, known, sealed, errors=errors, status=422)
    document = consent.store(evidence.contract) if evidence.contract else None
    try:
        result = service.enroll(
            answers, _source(),
            service.Consent(method=evidence.method, reference=evidence.reference, document=document,
                            ip=request.remote_addr, user_agent=request.user_agent.string[:400]),
            key, customer_id=known.customer.id if known else None)
    except service.Invalid as invalid:
        consent.discard(document)
        if not set(invalid.errors) & set(screen.FIELDS):  # about the consent: its page says so
            return _review(answers, key, known, sealed, errors=invalid.errors, status=422)
        return _screen(answers, key, known, sealed=sealed, errors=invalid.errors, status=422)
    if not result.created:
        consent.discard(document)  # a second submit: the first one's evidence stays
    return redirect(url_for(".done", number=result.enrollment.number), 303)


@bp.get("/enrollments/<number>")
@for_agents
def done(number: str) -> str:
    """The agent's confirmation: the enrollment number and what the customer receives."""
    enrollment = _made_here(number)
    first = db.session.scalar(select(func.min(Enrollment.id)).where(Enrollment.customer_id == enrollment.customer_id))
    # The email masked as operations sees it: a login made from it must not show here in full.
    return render_template("agents/done.html", title=f"Enrolled: {enrollment.number}", enrollment=enrollment,
                           new_customer=first == enrollment.id, methods=consent.METHODS,
                           email=mask_email(enrollment.customer.email))


# --- pages -------------------------------------------------------------------------------------

def _screen(answers: dict[str, str], key: str, known: Optional[Known], *, sealed: str = "",
            errors: Optional[Mapping[str, list[str]]] = None, status: int = 200, part: Optional[str] = None,
            **extra: Any) -> Response:
    """The screen with the answers given (the SSN sealed, never shown), and the service's messages."""
    ctx = screen.context(answers, db.session, today())
    made = screen.step_forms(answers, ctx)
    summary, plan_errors = screen.attach(made, errors or {})
    page = dict(title="Quick Enrollment", ctx=ctx, f=made, answers=answers, key=key, known=known,
                sealed=sealed, ssn_last4=screen.unseal(sealed, key)[-4:], summary=summary,
                plan_errors=plan_errors, notices=screen.notices(ctx, answers), ready=screen.ready(ctx),
                agent_only=screen.agent_only, mask_email=mask_email)
    page.update(dict(results=None, address_problem=None, found=None), **extra)
    if part and wants_partial():
        response = make_response(render_block("agents/screen.html", part, **page), status)
    else:
        response = make_response(render_template("agents/screen.html", **page), status)
    response.vary.add("HX-Request")
    return response


def _review(answers: dict[str, str], key: str, known: Optional[Known], sealed: str, *,
            errors: Optional[Mapping[str, list[str]]] = None, status: int = 200) -> Response:
    """The answers in words, the statements to read and the method of consent to record."""
    ctx = screen.context(answers, db.session, today())
    read = review.statements(ctx, current_app.config["SUPPLIER_NAME"])
    errors = dict(errors or {})
    changed = "" in errors  # a statement changed: every one is read again
    page = dict(title="Review with the customer", ctx=ctx, rows=review.summary(ctx, answers, known.customer if known else None),
                statements=read, versions=review.versions(read), key=key, known=known, sealed=sealed,
                hidden={k: v for k, v in answers.items() if k != "identity_value" and v},
                errors=errors, methods=consent.METHODS, method=request.form.get("consent_method", ""),
                reference=request.form.get("consent_reference", "")[:consent.REFERENCE_MAX * 2],
                checked=set() if changed else {s.field for s in read if request.form.get(s.field) == "yes"},
                contract_mb=current_app.config["SIGNED_CONTRACT_BYTES"] // (1024 * 1024))
    return make_response(render_template("agents/review.html", **page), status)
