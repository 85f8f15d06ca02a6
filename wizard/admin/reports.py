"""The funnel report (with its CSV export) and the audit log, both read-only and filterable."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Mapping, Optional

from flask import abort, render_template, request
from sqlalchemy import Select, case, func, select
from werkzeug.wrappers import Response
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, ValidationError

from wizard.catalog.models import Affiliate
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.core.forms import SafeForm
from wizard.signup import attribution
from wizard.signup.funnel import COMPLETED, STARTED
from wizard.signup.models import FunnelEvent
from wizard.signup.steps import STEPS, always

from . import funnel_report
from .fields import OptionalDate, check_order, page_number, strip
from .guard import bp, requires
from .models import AuditEntry

#: The report's rows: Started, each wizard step in order, Completed.
STAGES = funnel_report.stages(STEPS, always)
#: Days the funnel report shows when no range is given (today included).
DEFAULT_DAYS = 30
AUDIT_PAGE_SIZE = 50
DIRECT = "web"


def _date_field(label: str, hint: str) -> DateField:
    return DateField(label, description=hint, render_kw={"type": "date", "class": "input-medium"},
                     validators=[OptionalDate(f"Enter the date in the {label.lower()} box as year-month-day, "
                                              "for example 2026-11-01.")])


class FilterForm(SafeForm):
    """A GET filter form: no CSRF (it changes nothing), to >= from checked."""

    class Meta:
        csrf = False

    date_from: DateField
    date_to: DateField

    def validate_date_to(self, field: DateField) -> None:
        check_order(self.date_from, field,
                    "The last day must be the same as or after the first day. Swap the two dates.")


class FunnelFilters(FilterForm):
    """Date range (market calendar), channel and (for an affiliate) sub ID of the funnel report."""

    date_from = _date_field("From", "First day, in the market's calendar (Central time).")
    date_to = _date_field("To", "Last day, included.")
    channel = SelectField("Channel", validate_choice=False, default="")
    sub_id = StringField("Sub ID", filters=[strip], description="With an affiliate: only its links with this sub ID.",
                         render_kw={"class": "input-medium", "spellcheck": "false", "autocomplete": "off"})

    def prepare(self) -> "FunnelFilters":
        """Offer every affiliate (inactive ones too: their past drafts still count)."""
        affiliates = db.session.scalars(select(Affiliate).order_by(Affiliate.name)).all()
        self.channel.choices = [("", "All channels"), (DIRECT, "Direct web only (no affiliate)")] + [
            (f"affiliate:{a.code}", f"{a.name} ({a.code})" + ("" if a.active else ", inactive")) for a in affiliates]
        return self

    def validate_channel(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose a channel from the list: all, direct web, or one affiliate.")

    def validate_sub_id(self, field: StringField) -> None:
        if not field.data:
            return
        if not self.affiliate_code():
            raise ValidationError("Choose an affiliate under Channel to see one sub ID: sub IDs come from "
                                  "an affiliate's links.")
        if attribution.from_query({"sub_id": field.data}) != {"sub_id": field.data}:
            raise ValidationError(f"Enter the sub ID as the affiliate's link has it: at most "
                                  f"{attribution.MAX_LENGTH} letters, digits and . _ ~ : - with no spaces.")

    def affiliate_code(self) -> Optional[str]:
        """The affiliate chosen under Channel, if one is."""
        channel = self.channel.data or ""
        return channel.removeprefix("affiliate:") if channel.startswith("affiliate:") else None

    def validate_date_to(self, field: DateField) -> None:
        super().validate_date_to(field)
        first, last = self.period()
        if (last - first).days + 1 > funnel_report.MAX_DAYS:
            raise ValidationError(f"Choose at most {funnel_report.MAX_DAYS} days: move the first day later "
                                  "or the last day earlier.")

    def validate(self, extra_validators: Any = None) -> bool:
        """Valid filters; the days in use are then shown in the date boxes, defaults included."""
        valid = super().validate(extra_validators)
        if valid:
            self.date_from.data, self.date_to.data = self.period()
        return valid

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen days, both included; by default the last 30 days up to today."""
        last = self.date_to.data or today()
        return self.date_from.data or last - dt.timedelta(days=DEFAULT_DAYS - 1), last

    def channel_label(self) -> str:
        """The chosen channel as the select shows it, and the sub ID when one is chosen."""
        label = dict(self.channel.choices).get(self.channel.data, "All channels")
        return f"{label}, sub ID {self.sub_id.data}" if self.sub_id.data else label

    def query_args(self, **changes: str) -> dict[str, str]:
        """The filters as URL parameters (for the CSV link and the sub ID links), with `changes`."""
        first, last = self.period()
        args = {"date_from": first.isoformat(), "date_to": last.isoformat(), "channel": self.channel.data or "",
                "sub_id": self.sub_id.data or "", **changes}
        return {name: value for name, value in args.items() if value or name == "channel"}


def funnel_counts(first: dt.date, last: dt.date, channel: str, sub_id: Optional[str] = None) -> dict[str, int]:
    """Drafts that reached each step between the two market days, by one GROUP BY query."""
    start, end = funnel_report.day_range_utc(first, last)
    query = (select(FunnelEvent.step, func.count()).where(FunnelEvent.at >= start, FunnelEvent.at < end)
             .group_by(FunnelEvent.step))
    if channel == DIRECT:
        query = query.where(FunnelEvent.affiliate_code.is_(None))
    elif channel.startswith("affiliate:"):
        query = query.where(FunnelEvent.affiliate_code == channel.removeprefix("affiliate:"))
    if sub_id:
        query = query.where(FunnelEvent.sub_id == sub_id)
    return {step: count for step, count in db.session.execute(query).all()}


def sub_id_counts(first: dt.date, last: dt.date, affiliate_code: str) -> tuple[list[funnel_report.SubIdRow], bool]:
    """An affiliate's drafts started and completed per sub ID, most started first; and whether
    more sub IDs than `SUB_ID_ROWS` had drafts (only the first ones are answered)."""
    start, end = funnel_report.day_range_utc(first, last)
    started = func.sum(case((FunnelEvent.step == STARTED, 1), else_=0))
    completed = func.sum(case((FunnelEvent.step == COMPLETED, 1), else_=0))
    query = (select(FunnelEvent.sub_id, started, completed)
             .where(FunnelEvent.at >= start, FunnelEvent.at < end, FunnelEvent.affiliate_code == affiliate_code,
                    FunnelEvent.step.in_((STARTED, COMPLETED)))
             .group_by(FunnelEvent.sub_id)
             .order_by(started.desc(), completed.desc(), FunnelEvent.sub_id.nulls_last())
             .limit(funnel_report.SUB_ID_ROWS + 1))
    found = [(sub_id, int(s or 0), int(c or 0)) for sub_id, s, c in db.session.execute(query).all()]
    return funnel_report.sub_id_rows(found[:funnel_report.SUB_ID_ROWS]), len(found) > funnel_report.SUB_ID_ROWS


def _funnel_report() -> tuple[FunnelFilters, Optional[list[funnel_report.Row]]]:
    """The filters of the query string and, when they are valid, the report they ask for."""
    form = FunnelFilters(formdata=request.args).prepare()
    if not form.validate():
        return form, None
    first, last = form.period()
    return form, funnel_report.rows(STAGES, funnel_counts(first, last, form.channel.data or "", form.sub_id.data))


def _funnel_page(form: FunnelFilters, report: Optional[list[funnel_report.Row]], **context: Any) -> str:
    """The funnel report page; without a report when the filters were refused."""
    return render_template("admin/reports/funnel.html", title="Funnel report", form=form, report=report, **context)


@bp.get("/funnel")
@requires("marketing", "operations")
def funnel() -> tuple[str, int]:
    """Drafts reaching each step, with the drop-off, for a date range and channel; per sub ID for an affiliate."""
    form, report = _funnel_report()
    if report is None:
        return _funnel_page(form, None), 422
    first, last = form.period()
    by_sub_id, more_sub_ids = None, False
    if form.affiliate_code() and not form.sub_id.data:
        by_sub_id, more_sub_ids = sub_id_counts(first, last, form.affiliate_code())
    return _funnel_page(form, report, first=first, last=last, by_sub_id=by_sub_id, more_sub_ids=more_sub_ids,
                        sub_id_limit=funnel_report.SUB_ID_ROWS), 200


@bp.get("/funnel.csv")
@requires("marketing", "operations")
def funnel_csv() -> Response | tuple[str, int]:
    """The funnel report as a CSV file, with the same filters as the page."""
    form, report = _funnel_report()
    if report is None:
        return _funnel_page(form, None), 422
    first, last = form.period()
    out = io.StringIO()
    csv.writer(out).writerows(funnel_report.csv_rows(report, form.channel_label(), first, last))
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="funnel-{first.isoformat()}-to-{last.isoformat()}.csv"'})


# --- the audit log -----------------------------------------------------------------------------

class AuditFilters(FilterForm):
    """What, who and when; dates are UTC days, like the times the table shows."""

    entity_type = SelectField("Entity type", validate_choice=False, default="")
    action = SelectField("Action", validate_choice=False, default="")
    actor = StringField("Who", filters=[strip], description="Part of the staff email address, any case.",
                        validators=[Length(max=254, message="Enter at most 254 characters of the email address.")])
    entity_id = StringField("Entity id", filters=[strip], description="Exactly, for example a plan code.",
                            validators=[Length(max=64, message="Enter at most 64 characters: ids are not longer.")],
                            render_kw={"class": "input-medium"})
    date_from = _date_field("From", "First day, UTC.")
    date_to = _date_field("To", "Last day, UTC, included.")

    def prepare(self) -> "AuditFilters":
        """Offer the entity types and actions the log holds."""
        for field, column in ((self.entity_type, AuditEntry.entity_type), (self.action, AuditEntry.action)):
            values = db.session.scalars(select(column).distinct().order_by(column)).all()
            field.choices = [("", "Any")] + [(v, v) for v in values]
        return self

    def validate_entity_type(self, field: SelectField) -> None:
        self._known(field, "entity type")

    def validate_action(self, field: SelectField) -> None:
        self._known(field, "action")

    @staticmethod
    def _known(field: SelectField, what: str) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(f"Choose an {what} from the list, or Any.")

    def query_args(self) -> dict[str, str]:
        """The filters in use, as URL parameters (for the page links)."""
        values = {name: self[name].data for name in ("entity_type", "action", "actor", "entity_id")}
        values.update(date_from=self.date_from.data and self.date_from.data.isoformat(),
                      date_to=self.date_to.data and self.date_to.data.isoformat())
        return {name: value for name, value in values.items() if value}


def audit_query(form: AuditFilters) -> Select[Any]:
    """The entries matching the filters, newest first."""
    query = select(AuditEntry)
    if form.entity_type.data:
        query = query.where(AuditEntry.entity_type == form.entity_type.data)
    if form.action.data:
        query = query.where(AuditEntry.action == form.action.data)
    if form.actor.data:
        query = query.where(func.lower(AuditEntry.actor).contains(form.actor.data.lower(), autoescape=True))
    if form.entity_id.data:
        query = query.where(AuditEntry.entity_id == form.entity_id.data)
    if form.date_from.data:
        query = query.where(AuditEntry.at >= dt.datetime.combine(form.date_from.data, dt.time()))
    if form.date_to.data:
        query = query.where(AuditEntry.at < dt.datetime.combine(form.date_to.data + dt.timedelta(days=1), dt.time()))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def readable(value: Any) -> str:
    """A stored value as a person reads it: lists joined, nothing as "(none)"."""
    if value is None or value == [] or value == {}:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items())
    return "(empty)" if value == "" else str(value)


def value_lines(values: Optional[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """An entry's before or after as (key, readable value) pairs."""
    return [(str(key), readable(value)) for key, value in (values or {}).items()]


def _page_number() -> int:
    """The page asked for; a page that cannot exist is not found."""
    page = page_number(request.args.get("page", "1"))
    if page is None:
        abort(404)
    return page


@bp.get("/audit")
@requires("admin")
def audit_log() -> tuple[str, int]:
    """Who changed what and when, newest first, 50 a page."""
    form = AuditFilters(formdata=request.args).prepare()
    page = _page_number()
    if not form.validate():
        return render_template("admin/reports/audit.html", title="Audit log", form=form, entries=None), 422
    query = audit_query(form)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    if page > pages:
        abort(404)
    entries = db.session.scalars(query.limit(AUDIT_PAGE_SIZE).offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    return render_template("admin/reports/audit.html", title="Audit log", form=form, entries=entries, total=total,
                           page=page, pages=pages, args=form.query_args(), value_lines=value_lines), 200
