"""Checking and importing a sales file, in a thread of the web process, its progress on its record.

- `check`: every row through the sale's own checks and `service.check` (nothing written); problems
  kept by line and column; a sale some earlier import made (its submission key is an enrollment's)
  is counted as already imported and not checked again.
- `run_import`: `service.enroll` for each row the check passed, one enrollment (and its billing
  outbox row and emails) per transaction, as the service makes it. A sale the service answers
  `created=False` for was already imported. All-or-nothing is refused while any row has a problem,
  and writes every sale in one transaction (`service.store`, committed once): a row refused when
  imported (the catalog changed since the check) leaves nothing written.

Each writes its progress to the `SalesImport` row in its own short transaction every
`PROGRESS_EVERY` rows, so any process can show it; the end of an import is audited.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Iterator, Mapping, Optional

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.models import Enrollment
from wizard.admin import audit
from wizard.catalog.models import Affiliate
from wizard.core.extensions import db
from wizard.core.models import utcnow
from wizard.enrollments import service

from . import columns
from .models import ALL, CHECKED, DONE, FAILED, IMPORTING, SalesImport
from .rows import Sale, sale_of

#: Problems and per-row outcomes kept on the record (all are counted).
MAX_LISTED = 1000
PROGRESS_EVERY = 100
#: A check reads the catalog afresh this often (a new transaction), not once for hours.
FRESH_EVERY = 500

log = logging.getLogger(__name__)


def begin(app: Flask, filename: str, plans: str, started_by: str, sheet: columns.Sheet) -> int:
    """Record a file read by `columns.read` (its text encrypted), to be checked; answer its id."""
    with db.sessionmaker(app)() as session:
        record = SalesImport(filename=filename.replace("\\", "/").rsplit("/", 1)[-1][-255:] or "sales.csv",
                             plans=plans, started_by=started_by, rows_total=len(sheet.rows) + len(sheet.unreadable),
                             content=app.extensions["cipher"].encrypt(sheet.text))
        session.add(record)
        session.commit()
        return record.id


def claim(app: Flask, import_id: int, mode: str, actor: str) -> bool:
    """Mark a checked file as importing in `mode`: true once, whoever asks twice at the same time."""
    with db.sessionmaker(app)() as session:
        claimed = session.execute(update(SalesImport).where(SalesImport.id == import_id, SalesImport.status == CHECKED)
                                  .values(status=IMPORTING, mode=mode, imported_by=actor, updated_at=utcnow()))
        session.commit()
        return claimed.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _record(app: Flask, import_id: int, **values: Any) -> None:
    """Write progress or the result, in its own transaction."""
    values["updated_at"] = utcnow()
    with db.sessionmaker(app)() as session:
        session.execute(update(SalesImport).where(SalesImport.id == import_id).values(**values))
        session.commit()


def _sheet(app: Flask, record: SalesImport) -> columns.Sheet:
    text = app.extensions["cipher"].decrypt(record.content or "")
    return columns.read(text.encode(), app.config["SALES_IMPORT_MAX_ROWS"])


def _sales(sheet: columns.Sheet, plans: str) -> Iterator[tuple[int, Optional[Sale], dict[str, list[str]]]]:
    """(line, sale, problems of its own columns) for every row in the file's order; an unreadable
    line has no sale, and a sale repeated in the file is a problem of its second line."""
    affiliates = {a.code.upper(): a for a in db.session.scalars(select(Affiliate))}
    seen: dict[str, int] = {}
    unreadable = dict(sheet.unreadable)
    rows = sorted([(line, None) for line in unreadable] + [(line, row) for line, row in sheet.rows],
                  key=lambda item: item[0])
    for line, row in rows:
        if row is None:
            yield line, None, {"": [unreadable[line]]}
            continue
        sale, errors = sale_of(line, row, plans, affiliates)
        if "sale_id" not in errors and sale.submission_key in seen:
            errors["sale_id"] = [f"The sale {sale.sale_id} is also on line {seen[sale.submission_key]}: "
                                 "each sale once per file."]
        elif "sale_id" not in errors:
            seen[sale.submission_key] = line
        yield line, sale, errors


def _existing(keys: list[str]) -> dict[str, str]:
    """Submission key -> enrollment number of the sales already enrolled."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update((key, number) for key, number in db.session.execute(
            select(Enrollment.submission_key, Enrollment.number).where(Enrollment.submission_key.in_(chunk))))
    return found


def _problems(line: int, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A row's problems as listed: in the file's column order, those about no one column first."""
    order = {name: i for i, name in enumerate(("",) + columns.COLUMNS)}
    return [{"line": line, "field": name, "message": str(message)}  # plain strings: the record is JSON
            for name, messages in sorted(errors.items(), key=lambda item: order.get(item[0], len(order)))
            for message in messages]


def _context(app: Flask, site: Optional[str]) -> Any:
    """The thread's app context; with `site` (the host staff uploaded on) a request context on it, so
    the new customers' emailed links are built as a request's would be when SITE_URL is not set."""
    return app.test_request_context("/", base_url=site) if site else app.app_context()


def check(app: Flask, import_id: int, site: Optional[str] = None) -> None:
    """Check every row of the import's file; the record ends `checked` (or failed, logged)."""
    with _context(app, site):
        try:
            _check(app, import_id)
        except Exception:
            log.exception("sales import %s: the check failed", import_id)
            _record(app, import_id, status=FAILED, content=None, finished_at=utcnow(),
                    message="The check failed with an unexpected error (logged). Nothing was imported.")
        finally:
            db.session.close()


def _check(app: Flask, import_id: int) -> None:
    record = db.session.get(SalesImport, import_id)
    assert record is not None  # nosec B101: the upload made it
    sheet, plans = _sheet(app, record), record.plans
    sales = list(_sales(sheet, plans))
    existing = _existing([sale.submission_key for _, sale, problems in sales if sale and not problems])
    errors: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    invalid_lines: list[int] = []
    already = checked = 0
    for line, sale, problems in sales:
        checked += 1
        if sale is not None and not problems and sale.submission_key in existing:
            already += 1
            if len(outcomes) < MAX_LISTED:
                outcomes.append({"line": line, "sale_id": sale.sale_id, "outcome": "already",
                                 "number": existing[sale.submission_key]})
        else:
            if sale is not None and not (plans == "partner" and sale.partner is None):
                problems = {**_service_problems(sale, plans, import_id), **problems}
            if problems:
                invalid_lines.append(line)
                errors.extend(_problems(line, problems)[:MAX_LISTED - len(errors)])
        if checked % FRESH_EVERY == 0:
            db.session.rollback()
        if checked % PROGRESS_EVERY == 0:
            _record(app, import_id, rows_checked=checked, rows_invalid=len(invalid_lines), rows_already=already)
    _record(app, import_id, status=CHECKED, rows_checked=checked, rows_invalid=len(invalid_lines),
            rows_already=already, errors=errors, outcomes=outcomes, invalid_lines=invalid_lines,
            message=check_summary(len(sales), len(invalid_lines), already))


def _service_problems(sale: Sale, plans: str, import_id: int) -> dict[str, list[str]]:
    try:
        service.check(sale.fields, sale.source(plans, import_id))
    except service.Invalid as invalid:
        return invalid.errors
    return {}


def check_summary(total: int, invalid: int, already: int) -> str:
    """One sentence of what the check found."""
    ready = total - invalid - already
    text = f"{total:,} {'sale' if total == 1 else 'sales'}: {ready:,} ready to import"
    if invalid:
        text += f", {invalid:,} with problems"
    if already:
        text += f", {already:,} already imported"
    return text + "."


def run_import(app: Flask, import_id: int, actor: str, actor_id: Optional[int], site: Optional[str] = None) -> None:
    """Import the checked rows (the record is `importing`, its mode chosen); it ends done or failed."""
    with _context(app, site):
        try:
            _import(app, import_id, actor, actor_id)
        except Exception:
            log.exception("sales import %s: the import failed", import_id)
            db.session.rollback()
            _record(app, import_id, status=FAILED, content=None, finished_at=utcnow(),
                    message="The import stopped with an unexpected error (logged). The rows imported before it "
                            "stay imported; importing the file again makes only the others.")
        finally:
            db.session.close()


class _Progress:
    """Writes the import's progress every PROGRESS_EVERY rows or 2 seconds."""

    def __init__(self, app: Flask, import_id: int):
        self.app, self.import_id, self.last = app, import_id, time.monotonic()

    def __call__(self, done: int, **counts: int) -> None:
        if done % PROGRESS_EVERY == 0 or time.monotonic() - self.last > 2:
            self.last = time.monotonic()
            _record(self.app, self.import_id, rows_done=done, **counts)


def _import(app: Flask, import_id: int, actor: str, actor_id: Optional[int]) -> None:
    record = db.session.get(SalesImport, import_id)
    assert record is not None and record.status == IMPORTING  # nosec B101: claimed by the view
    mode, plans = record.mode, record.plans
    invalid_lines = set(record.invalid_lines)
    sales = [sale for line, sale, problems in _sales(_sheet(app, record), plans)
             if sale is not None and not problems and line not in invalid_lines]
    existing = _existing([sale.submission_key for sale in sales])
    outcome = _Outcome(list(record.errors), [_already(sale, existing[sale.submission_key])
                                             for sale in sales if sale.submission_key in existing][:MAX_LISTED])
    outcome.already = len(existing)
    todo = [sale for sale in sales if sale.submission_key not in existing]
    progress = _Progress(app, import_id)
    if mode == ALL:
        _all_or_nothing(todo, plans, import_id, outcome, progress)
    else:
        _one_by_one(todo, plans, import_id, outcome, progress)
    after = {"file": record.filename, "mode": mode, "plans": plans, "imported": outcome.imported,
             "already": outcome.already, "failed": outcome.failed, "not imported (problems)": record.rows_invalid}
    with db.sessionmaker(app)() as session:
        session.execute(update(SalesImport).where(SalesImport.id == import_id).values(
            status=DONE, rows_done=outcome.done, rows_imported=outcome.imported, rows_failed=outcome.failed,
            rows_already=outcome.already, errors=sorted(outcome.errors, key=lambda e: e["line"]),
            outcomes=sorted(outcome.outcomes, key=lambda o: o["line"]),
            message=outcome.summary(record.rows_invalid if mode != ALL else 0), content=None,
            finished_at=utcnow(), updated_at=utcnow()))
        _audit(session, actor, actor_id, import_id, after)
        session.commit()


class _Outcome:
    """What an import did, row by row."""

    def __init__(self, errors: list[dict[str, Any]], outcomes: list[dict[str, Any]]):
        self.errors, self.outcomes = errors, outcomes
        self.done = self.imported = self.already = self.failed = 0
        self.nothing_because: Optional[str] = None  # all-or-nothing refused while importing

    def refused(self, sale: Sale, problems: Mapping[str, list[str]]) -> None:
        self.failed += 1
        self.errors.extend(_problems(sale.line, dict(problems))[:MAX_LISTED - len(self.errors)])
        if len(self.outcomes) < MAX_LISTED:
            self.outcomes.append({"line": sale.line, "sale_id": sale.sale_id, "outcome": "failed", "number": ""})

    def summary(self, skipped: int) -> str:
        """One sentence of what the import did."""
        if self.nothing_because:
            return self.nothing_because[:500]
        text = f"{self.imported:,} new {'enrollment' if self.imported == 1 else 'enrollments'}"
        if self.already:
            text += f", {self.already:,} already imported before"
        if self.failed:
            text += f", {self.failed:,} refused when imported"
        if skipped:
            text += f", {skipped:,} with problems not imported"
        return (text + ".")[:500]


def _already(sale: Sale, number: str) -> dict[str, Any]:
    return {"line": sale.line, "sale_id": sale.sale_id, "outcome": "already", "number": number}


def _one_by_one(todo: list[Sale], plans: str, import_id: int, outcome: _Outcome, progress: _Progress) -> None:
    """Valid rows only: each sale enrolled in its own transaction; one refused is listed and skipped."""
    documents: service.DocumentMemo = {}  # each plan's PDFs made once for the whole file
    for sale in todo:
        try:
            result = service.enroll(sale.fields, sale.source(plans, import_id), sale.consent(), sale.submission_key,
                                    documents=documents)
        except service.Invalid as invalid:  # the catalog changed since the check
            db.session.rollback()
            outcome.refused(sale, invalid.errors)
        except Exception:
            log.exception("sales import %s line %s: enroll failed", import_id, sale.line)
            db.session.rollback()
            outcome.refused(sale, {"": ["This sale could not be saved because of an unexpected error (logged)."]})
        else:
            if result.created:
                outcome.imported += 1
            else:  # imported by someone else since the check
                outcome.already += 1
                if len(outcome.outcomes) < MAX_LISTED:
                    outcome.outcomes.append(_already(sale, result.enrollment.number))
        outcome.done += 1
        progress(outcome.done, rows_imported=outcome.imported, rows_failed=outcome.failed,
                 rows_already=outcome.already)


def _all_or_nothing(todo: list[Sale], plans: str, import_id: int, outcome: _Outcome, progress: _Progress) -> None:
    """Every sale in one transaction (`service.store` leaves the commit to its caller): a sale refused
    now (the catalog changed since the check) or made meanwhile by another import rolls all back."""
    supplier = current_app.config["SUPPLIER_NAME"]
    # SQLite has one writer: this transaction's, until its commit; the progress (another
    # connection) would wait for it and fail. There the page shows the rows once they are saved.
    live = db.session.get_bind().dialect.name != "sqlite"
    sale: Optional[Sale] = None
    documents: service.DocumentMemo = {}  # each plan's PDFs made once for the whole file
    try:
        for sale in todo:
            source, consent = sale.source(plans, import_id), sale.consent()
            service.check_consent(consent)
            answers = service.check(sale.fields, source)
            service.store(service.context(answers, source), source, consent, sale.submission_key, supplier,
                          documents)
            outcome.done += 1
            if live:
                progress(outcome.done)
        db.session.commit()
    except (service.Invalid, service.NotReady) as exc:
        db.session.rollback()
        assert sale is not None  # nosec B101: raised by a sale's check
        problems = exc.errors if isinstance(exc, service.Invalid) else {"": [exc.message]}
        outcome.refused(sale, problems)
        outcome.nothing_because = (f"Nothing was imported: line {sale.line} no longer passes the checks (the catalog "
                                   "changed since the file was checked). Fix it and upload the file again.")
        return
    except IntegrityError:
        db.session.rollback()
        outcome.nothing_because = ("Nothing was imported: some of these sales were made meanwhile by another import. "
                                   "Upload the file again: they will show as already imported.")
        return
    outcome.imported = len(todo)


def _audit(session: Session, actor: str, actor_id: Optional[int], import_id: int, after: dict[str, Any]) -> None:
    audit.record(session, actor=actor, actor_id=actor_id, action="import", entity_type="sales_import",
                 entity_id=str(import_id), after=after)
