"""Marketing: the plan list, creating, editing and retiring plans, their visibility and documents.

Every change is written with its audit entry in one transaction and read back by the next
customer request: the wizard asks the database each time, nothing is cached. The forms live in
`plan_forms`, the preview in `preview`.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from wizard.catalog import documents
from wizard.catalog.models import Plan, PlanVisibility, State
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.forms import SafeForm
from wizard.core.request_limits import accepts_upload

from .audit import changes, snapshot
from .fields import PAGE_MESSAGE, form_page, get_or_404, page_number
from .guard import bp, record, requires
from .plan_forms import PLAN_FIELDS, DocumentForm, PlanForm, VisibilityForm, channel_choices, form_data

VISIBILITY_FIELDS = ("id", "channel", "shown_from", "shown_to")


# --- plans list, create, edit, retire -------------------------------------------------------

PAGE_SIZE = 50


@bp.get("/plans")
@requires("marketing")
def plans() -> tuple[str, int]:
    """Plans, 50 a page, filtered by state, channel and whether retired ones are included.

    Filter values come from the page's lists; anything else is a form error (422), never a query.
    """
    states = db.session.scalars(select(State).order_by(State.name)).all()
    channels = channel_choices()
    state, channel = request.args.get("state", ""), request.args.get("channel", "")
    include_retired = request.args.get("retired") == "1"
    errors: dict[str, str] = {}
    if state and state not in {s.code for s in states}:
        errors["state"] = "Choose a state from the list."
    if channel and channel not in dict(channels):
        errors["channel"] = "Choose a channel from the list."
    page = page_number(request.args.get("page", "1")) or 0
    if not page:
        errors["page"] = PAGE_MESSAGE
    found: list[Plan] = []
    total = 0
    if not errors:
        query = select(Plan).order_by(Plan.state_code, Plan.code)
        if state:
            query = query.where(Plan.state_code == state)
        if channel:
            query = query.where(exists().where(PlanVisibility.plan_code == Plan.code,
                                               PlanVisibility.channel == channel))
        if not include_retired:
            query = query.where(Plan.retired.is_(False))
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        found = list(db.session.scalars(query.options(selectinload(Plan.visibility))
                                        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    args = {k: v for k, v in (("state", state), ("channel", channel),
                              ("retired", "1" if include_retired else "")) if v and k not in errors}
    html = render_template("admin/plans/list.html", title="Plans", plans=found, total=total, page=page or 1,
                           pages=max(1, -(-total // PAGE_SIZE)), args=args, errors=errors, states=states,
                           channels=channels, labels=dict(channels),
                           chosen={"state": state, "channel": channel, "retired": include_retired})
    return html, 422 if errors else 200


@bp.route("/plans/new", methods=["GET", "POST"])
@requires("marketing")
def plan_new() -> Response | tuple[str, int]:
    """Create a plan; it is offered nowhere until it is shown on a channel."""
    form = PlanForm(new=True, data={"state": "TX", "customer_types": ["residential"], "rate_type": "fixed"})
    if form.validate_on_submit():
        plan = Plan(code=form.code.data, **form.values())
        db.session.add(plan)
        record("create", "plan", plan.code, None, {"code": plan.code, **snapshot(plan, PLAN_FIELDS)})
        db.session.commit()
        flash(f"Plan {plan.code} created. Show it on a channel below to offer it.", "success")
        return redirect(url_for("admin.plan_edit", code=plan.code), 303)
    return form_page("admin/plans/new.html", form, title="New plan")


def _status(*forms: SafeForm) -> int:
    return 422 if request.method == "POST" and any(f.errors for f in forms) else 200


def _edit_page(plan: Plan, form: Optional[PlanForm] = None, visibility_form: Optional[VisibilityForm] = None,
               document_form: Optional[DocumentForm] = None) -> tuple[str, int]:
    """The edit page with its three forms; the one just sent keeps its input and errors."""
    form = form or PlanForm(new=False, formdata=None, data=form_data(plan))
    visibility_form = visibility_form or VisibilityForm(formdata=None)
    document_form = document_form or DocumentForm(formdata=None)
    html = render_template("admin/plans/edit.html", title=f"Plan {plan.code}", plan=plan, form=form,
                           visibility_form=visibility_form, document_form=document_form,
                           labels=dict(channel_choices()), today=today(),
                           documents=documents.history(db.session, plan.code),
                           max_mb=current_app.config["MAX_DOCUMENT_BYTES"] / 1024 / 1024)
    return html, _status(form, visibility_form, document_form)


@bp.route("/plans/<code>", methods=["GET", "POST"])
@requires("marketing")
def plan_edit(code: str) -> Response | tuple[str, int]:
    """Edit a plan's terms; only what changed is audited."""
    plan = get_or_404(Plan, code)
    if request.method == "GET":
        return _edit_page(plan)
    form = PlanForm(new=False)
    if not form.validate():
        return _edit_page(plan, form=form)
    before = snapshot(plan, PLAN_FIELDS)
    for name, value in form.values().items():
        setattr(plan, name, value)
    old, new = changes(before, snapshot(plan, PLAN_FIELDS))
    if new:
        record("update", "plan", plan.code, old, new)
        db.session.commit()
        flash(f"Plan {plan.code} saved.", "success")
    else:
        flash("Nothing was changed.", "info")
    return redirect(url_for("admin.plan_edit", code=plan.code), 303)


def _set_retired(code: str, retired: bool) -> Response:
    plan = get_or_404(Plan, code)
    if plan.retired != retired:
        plan.retired = retired
        record("retire" if retired else "unretire", "plan", plan.code, {"retired": not retired}, {"retired": retired})
        db.session.commit()
    flash(f"Plan {plan.code} is retired: it is offered nowhere, and existing enrollments keep it." if retired
          else f"Plan {plan.code} is back: it is offered on the channels shown below.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code), 303)


@bp.post("/plans/<code>/retire")
@requires("marketing")
def plan_retire(code: str) -> Response:
    """Retire a plan: offered nowhere, kept for the enrollments that chose it."""
    return _set_retired(code, True)


@bp.post("/plans/<code>/unretire")
@requires("marketing")
def plan_unretire(code: str) -> Response:
    """Offer a retired plan again on its channels."""
    return _set_retired(code, False)


# --- visibility -----------------------------------------------------------------------------

@bp.post("/plans/<code>/visibility")
@requires("marketing")
def plan_visibility_add(code: str) -> Response | tuple[str, int]:
    """Show the plan on a channel within an optional date window."""
    plan = get_or_404(Plan, code)
    form = VisibilityForm()
    if not form.validate_on_submit():
        return _edit_page(plan, visibility_form=form)
    row = PlanVisibility(channel=form.channel.data, shown_from=form.shown_from.data, shown_to=form.shown_to.data)
    plan.visibility.append(row)
    db.session.flush()
    record("show", "visibility", plan.code, None, snapshot(row, VISIBILITY_FIELDS))
    db.session.commit()
    flash(f"{plan.code} is shown on {dict(channel_choices()).get(row.channel, row.channel)}"
          f"{_window(row)}.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="visibility"), 303)


def _window(row: PlanVisibility) -> str:
    start = f" from {row.shown_from:%B %-d, %Y}" if row.shown_from else ""
    end = f" to {row.shown_to:%B %-d, %Y}" if row.shown_to else ""
    return start + end


def _visibility_row(code: str, row_id: int) -> tuple[Plan, PlanVisibility]:
    plan = get_or_404(Plan, code)
    row = next((v for v in plan.visibility if v.id == row_id), None)
    if row is None:
        abort(404)
    return plan, row


@bp.post("/plans/<code>/visibility/<int:row_id>/remove")
@requires("marketing")
def plan_visibility_remove(code: str, row_id: int) -> Response:
    """Stop showing the plan on this channel and window, today included."""
    plan, row = _visibility_row(code, row_id)
    record("hide", "visibility", plan.code, snapshot(row, VISIBILITY_FIELDS), None)
    plan.visibility.remove(row)
    db.session.commit()
    flash(f"{plan.code} is no longer shown on {dict(channel_choices()).get(row.channel, row.channel)}"
          f"{_window(row)}.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="visibility"), 303)


@bp.post("/plans/<code>/visibility/<int:row_id>/end")
@requires("marketing")
def plan_visibility_end(code: str, row_id: int) -> Response:
    """Hide from today: the window ends yesterday, and the row's history stays visible."""
    plan, row = _visibility_row(code, row_id)
    yesterday = today() - dt.timedelta(days=1)
    if row.shown_from is not None and row.shown_from > yesterday:
        return plan_visibility_remove(code, row_id)
    before = snapshot(row, VISIBILITY_FIELDS)
    row.shown_to = min(row.shown_to or yesterday, yesterday)
    record("hide from today", "visibility", plan.code, before, snapshot(row, VISIBILITY_FIELDS))
    db.session.commit()
    flash(f"{plan.code} is hidden from today on {dict(channel_choices()).get(row.channel, row.channel)}.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="visibility"), 303)


# --- documents ------------------------------------------------------------------------------

@bp.post("/plans/<code>/documents")
@requires("marketing")
@accepts_upload
def plan_document_add(code: str) -> Response | tuple[str, int]:
    """A new version of the EFL, TOS or YRAC: customers see it from the next request."""
    plan = get_or_404(Plan, code)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _edit_page(plan, document_form=form)
    kind, language = form.kind.data, form.language.data
    problem = documents.translation_problem(db.session, plan, kind, language)
    if problem:
        form.language.errors.append(problem)
        return _edit_page(plan, document_form=form)
    before = {"version": documents.current_version(plan, kind)}
    upload = form.document_file.data if form.content else None
    document = documents.add_document(db.session, plan, kind, url=form.document_url.data or None,
                                      filename=upload.filename if upload else None, content=form.content,
                                      language=language)
    record("add", "document", plan.code, {"kind": kind, **before},
           {"kind": kind, "version": document.version, "language": language, "url": document.url,
            "filename": document.filename, "bytes": len(document.content) if document.content else None})
    db.session.commit()
    if language == "en":
        flash(f"{documents.KINDS[kind]} version {document.version} is now shown to customers.", "success")
    else:
        flash(f"The {documents.LANGUAGES[language]} {documents.KINDS[kind]} of version {document.version} "
              f"is now shown on {documents.LANGUAGES[language]} pages.", "success")
    return redirect(url_for("admin.plan_edit", code=plan.code, _anchor="documents"), 303)
