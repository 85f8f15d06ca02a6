"""Operations: the enrollment queue, details with PII masked, cancel, test order, correct and resubmit.

Personal data is shown masked everywhere here, audit values included (see `wizard.masking`):
the premise is shown in full (address and ESI ID), never the identity value or the date of
birth. The forms live in `enrollment_forms`.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Optional

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

import billing
from billing import Status
from billing.models import Enrollment
from wizard.catalog.models import Affiliate, Utility
from wizard.core.dates import MARKET_TZ, local_time
from wizard.core.extensions import db
from wizard.signup.attribution import campaign_rows

from .audit import changes
from .enrollment_forms import CHANNEL_NAMES, CancelForm, CorrectionForm, QueueFilters, apply_correction, correctable
from .fields import form_page, one_or_404
from .guard import bp, record, requires
from .masking import mask_email, mask_identity, mask_phone, masked, short_name

PAGE_SIZE = 50
DIRECT = "direct"


# --- what may be done in which status -----------------------------------------------------------

def may_cancel(enrollment: Enrollment) -> bool:
    """Not yet accepted (nor already cancelled): cancel and test order are offered."""
    return billing.can_transition(Status(enrollment.status), Status.CANCELLED)


def may_resubmit(enrollment: Enrollment) -> bool:
    """Rejected, with errors or on hold: correct and resubmit is offered."""
    return billing.can_transition(Status(enrollment.status), Status.NEW)


# --- the queue ---------------------------------------------------------------------------------


def _filter_form() -> QueueFilters:
    form = QueueFilters(formdata=request.args)
    form.status.choices = [("", "Any status")] + [(s.value, s.value) for s in Status]
    affiliates = db.session.scalars(select(Affiliate).order_by(Affiliate.name)).all()
    form.affiliate.choices = ([("", "Any"), (DIRECT, "Direct web (no affiliate)")]
                              + [(a.code, a.name) for a in affiliates])
    form.channel.choices = [("", "Any channel"), *CHANNEL_NAMES.items()]
    return form


def _market_midnight(day: dt.date) -> dt.datetime:
    """Naive UTC time of midnight in the market at the start of `day`."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=MARKET_TZ)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def _conditions(form: QueueFilters, with_status: bool = True) -> list[ColumnElement[bool]]:
    """SQL conditions of valid filters; the created dates are days of the market's calendar."""
    found: list[ColumnElement[bool]] = []
    if with_status and form.status.data:
        found.append(Enrollment.status == form.status.data)
    if form.affiliate.data == DIRECT:
        found.append(Enrollment.affiliate_code.is_(None))
    elif form.affiliate.data:
        found.append(Enrollment.affiliate_code == form.affiliate.data)
    if form.channel.data:
        found.append(Enrollment.channel == form.channel.data)
    if form.created_from.data:
        found.append(Enrollment.created_at >= _market_midnight(form.created_from.data))
    if form.created_to.data:
        found.append(Enrollment.created_at < _market_midnight(form.created_to.data + dt.timedelta(days=1)))
    return found


def _query_args(form: QueueFilters, **extra: Any) -> dict[str, Any]:
    """The filters as query arguments, for paging and status links."""
    args = {"status": form.status.data, "affiliate": form.affiliate.data, "channel": form.channel.data,
            "created_from": form.created_from.data, "created_to": form.created_to.data, **extra}
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in args.items() if v}


@bp.get("/enrollments")
@requires("operations")
def queue() -> tuple[str, int]:
    """Enrollments newest first, filtered by status, affiliate, channel and created dates, 50 a page."""
    form = _filter_form()
    if not form.validate():
        return render_template("admin/operations/queue.html", title="Enrollments", form=form, rows=[],
                               counts=[], total=0, pages=0, page=1, args={}, **_helpers()), 422
    where = _conditions(form)
    total = db.session.scalar(select(func.count()).select_from(Enrollment).where(*where)) or 0
    page = form.page.data or 1
    rows = db.session.scalars(
        select(Enrollment).options(joinedload(Enrollment.customer)).where(*where)
        .order_by(Enrollment.created_at.desc(), Enrollment.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    counts = db.session.execute(
        select(Enrollment.status, func.count()).where(*_conditions(form, with_status=False))
        .group_by(Enrollment.status).order_by(Enrollment.status)).all()
    return render_template("admin/operations/queue.html", title="Enrollments", form=form, rows=rows,
                           counts=counts, total=total, pages=max(1, math.ceil(total / PAGE_SIZE)), page=page,
                           args=_query_args(form), **_helpers()), 200


def _helpers() -> dict[str, Any]:
    """Names the templates show instead of codes, and the masking and time helpers."""
    return {"utility_names": dict(db.session.execute(select(Utility.code, Utility.name)).all()),
            "affiliate_names": dict(db.session.execute(select(Affiliate.code, Affiliate.name)).all()),
            "local_time": local_time, "short_name": short_name, "mask_email": mask_email,
            "mask_phone": mask_phone, "mask_identity": mask_identity, "campaign_rows": campaign_rows,
            "channel_names": CHANNEL_NAMES}


# --- one enrollment ----------------------------------------------------------------------------


def _enrollment(number: str, lock: bool = False) -> Enrollment:
    """The enrollment `number` (locked for the transaction when about to change it), or 404."""
    return one_or_404(select(Enrollment).where(Enrollment.number == number), lock)


def _detail(enrollment: Enrollment, cancel_form: Optional[CancelForm] = None, status: int = 200) -> tuple[str, int]:
    others = len(enrollment.customer.enrollments) - 1
    return render_template("admin/operations/detail.html", title=f"Enrollment {enrollment.number}",
                           e=enrollment, c=enrollment.customer, others=others,
                           cancel_form=cancel_form or CancelForm(),
                           may_cancel=may_cancel(enrollment), may_resubmit=may_resubmit(enrollment),
                           **_helpers()), status


@bp.get("/enrollments/<number>")
@requires("operations")
def enrollment_detail(number: str) -> tuple[str, int]:
    """Facts, plan, status history, consent evidence and the customer, masked."""
    return _detail(_enrollment(number))


def _refuse(enrollment: Enrollment, what: str) -> Response:
    db.session.rollback()
    flash(f"Enrollment {enrollment.number} is {enrollment.status}: it cannot be {what} now. "
          "Nothing was changed.", "error")
    return redirect(url_for("admin.enrollment_detail", number=enrollment.number), 303)


@bp.post("/enrollments/<number>/cancel")
@requires("operations")
def enrollment_cancel(number: str) -> Response | tuple[str, int]:
    """Cancel with a reason; an unsent enrollment leaves the outbox."""
    enrollment = _enrollment(number, lock=True)
    if not may_cancel(enrollment):
        return _refuse(enrollment, "cancelled")
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail(enrollment, form, 422)
    return _cancel(enrollment, form.reason.data, test_order=False)


@bp.post("/enrollments/<number>/test-order")
@requires("operations")
def enrollment_test_order(number: str) -> Response:
    """Mark as a test order (a button; CSRF is checked app-wide): cancelled and never delivered."""
    enrollment = _enrollment(number, lock=True)
    if not may_cancel(enrollment):
        return _refuse(enrollment, "marked as a test order")
    return _cancel(enrollment, "marked as a test order by operations", test_order=True)


def _cancel(enrollment: Enrollment, reason: str, test_order: bool) -> Response:
    before = {"status": enrollment.status}
    billing.cancel(db.session, enrollment, reason, test_order=test_order)
    record("test order" if test_order else "cancel", "enrollment", enrollment.number, before,
           {"status": enrollment.status, "reason": reason})
    db.session.commit()
    flash(f"Enrollment {enrollment.number} is now {enrollment.status}. It will not be sent to billing.", "success")
    return redirect(url_for("admin.enrollment_detail", number=enrollment.number), 303)


# --- correct and resubmit ----------------------------------------------------------------------


@bp.route("/enrollments/<number>/correct", methods=["GET", "POST"])
@requires("operations")
def enrollment_correct(number: str) -> Response | tuple[str, int]:
    """Correct a rejected, errored or held enrollment and resubmit it, in one transaction."""
    enrollment = _enrollment(number, lock=request.method == "POST")
    if not may_resubmit(enrollment):
        return _refuse(enrollment, "corrected and resubmitted (only rejected, errored or on-hold ones can be)")
    form = CorrectionForm()
    form.prepare(enrollment)
    if not form.validate_on_submit():
        if request.method == "GET":
            form.fill()
        return form_page("admin/operations/correct.html", form, title=f"Correct enrollment {number}",
                         e=enrollment, **_helpers())
    resubmit(form, enrollment)
    db.session.commit()
    flash(f"Enrollment {number} was resubmitted: it is {enrollment.status} and will be sent to billing.", "success")
    return redirect(url_for("admin.enrollment_detail", number=number), 303)


def resubmit(form: CorrectionForm, enrollment: Enrollment) -> None:
    """Apply the correction and queue the enrollment again, auditing both (caller commits)."""
    before = correctable(enrollment)
    apply_correction(form, enrollment)
    old, new = changes(before, correctable(enrollment))
    if new:
        record("correct", "enrollment", enrollment.number, masked(old), masked(new))
    status = enrollment.status
    billing.resubmit(db.session, enrollment, reason="corrected and resubmitted by operations")
    record("resubmit", "enrollment", enrollment.number, {"status": status},
           {"status": enrollment.status, "resubmissions": enrollment.resubmissions})
