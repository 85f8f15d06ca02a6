"""Checking and importing a sales file, in a thread of the web process, its progress on its record.

- `check`: every row through the sale's own checks and `service.check` (nothing written); problems
  kept by line and column; a sale some earlier import made (its submission key is an enrollment's)
  is counted as already imported and not checked again.
- `run_import`: `service.enroll` for each row the check passed, one enrollment (and its billing
  outbox row and emails) per transaction, as the service makes it. A sale the service answers
  `created=False` for was already imported. All-or-nothing is refused while any row has a problem;
  if a row that passed the check is refused when imported (the catalog changed in between), the
  import stops there and says which rows were made: the file can be imported again once fixed, and
  the rows made are not made twice.

Each writes its progress to the `SalesImport` row in its own short transaction every
`PROGRESS_EVERY` rows, so any process can show it; the end of an import is audited.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Iterator, Optional

from flask import Flask
from sqlalchemy import select, update
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
        found.update(db.session.execute(select(Enrollment.submission_key, Enrollment.number)
                                        .where(Enrollment.submission_key.in_(chunk))).tuples().all())
    return found


def _problems(line: int, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """A row's problems as listed: in the file's column order, those about no one column first."""
    order = {name: i for i, name in enumerate(("",) + columns.COLUMNS)}
    return [{"line": line, "field": name, "message": message}
            for name, messages in sorted(errors.items(), key=lambda item: order.get(item[0], len(order)))
            for message in messages]


def check(app: Flask, import_id: int) -> None:
    """Check every row of the import's file; the record ends `checked` (or failed, logged)."""
    with app.app_context():
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


def run_import(app: Flask, import_id: int, actor: str, actor_id: Optional[int]) -> None:
    """Import the checked rows (the record is `importing`, its mode chosen); it ends done, refused or failed."""
    with app.app_context():
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


def _import(app: Flask, import_id: int, actor: str, actor_id: Optional[int]) -> None:
    record = db.session.get(SalesImport, import_id)
    assert record is not None and record.status == IMPORTING  # nosec B101: claimed by the view
    mode, plans = record.mode, record.plans
    invalid_lines = set(record.invalid_lines)
    sales = [sale for line, sale, problems in _sales(_sheet(app, record), plans)
             if sale is not None and not problems and line not in invalid_lines]
    existing = _existing([sale.submission_key for sale in sales])
    errors: list[dict[str, Any]] = list(record.errors)
    outcomes = [{"line": sale.line, "sale_id": sale.sale_id, "outcome": "already",
                 "number": existing[sale.submission_key]}
                for sale in sales if sale.submission_key in existing][:MAX_LISTED]
    todo = [sale for sale in sales if sale.submission_key not in existing]
    already = len(sales) - len(todo)
    imported = failed = done = 0
    stopped_at: Optional[int] = None
    last = time.monotonic()
    for sale in todo:
        outcome, detail = _enroll(sale, plans, import_id)
        done += 1
        if outcome == "imported":
            imported += 1
        elif outcome == "already":  # imported by someone else since the check
            already += 1
            if len(outcomes) < MAX_LISTED:
                outcomes.append({"line": sale.line, "sale_id": sale.sale_id, "outcome": "already", "number": detail})
        else:
            failed += 1
            errors.extend(_problems(sale.line, detail)[:MAX_LISTED - len(errors)])
            if len(outcomes) < MAX_LISTED:
                outcomes.append({"line": sale.line, "sale_id": sale.sale_id, "outcome": "failed", "number": ""})
            if mode == ALL:
                stopped_at = sale.line
                break
        if done % PROGRESS_EVERY == 0 or time.monotonic() - last > 2:
            last = time.monotonic()
            _record(app, import_id, rows_done=done, rows_imported=imported, rows_failed=failed, rows_already=already)
    message = import_summary(imported, already, failed, record.rows_invalid if mode != ALL else 0, stopped_at)
    after = {"file": record.filename, "mode": mode, "plans": plans, "imported": imported, "already": already,
             "failed": failed, "not imported (problems)": record.rows_invalid}
    with db.sessionmaker(app)() as session:
        session.execute(update(SalesImport).where(SalesImport.id == import_id).values(
            status=DONE, rows_done=done, rows_imported=imported, rows_failed=failed, rows_already=already,
            errors=sorted(errors, key=lambda e: e["line"]), outcomes=sorted(outcomes, key=lambda o: o["line"]),
            message=message, content=None, finished_at=utcnow(), updated_at=utcnow()))
        _audit(session, actor, actor_id, import_id, after)
        session.commit()


def _enroll(sale: Sale, plans: str, import_id: int) -> tuple[str, Any]:
    """("imported", number), ("already", number) or ("failed", problems by column) for one sale."""
    try:
        result = service.enroll(sale.fields, sale.source(plans, import_id), sale.consent(), sale.submission_key)
    except service.Invalid as invalid:
        db.session.rollback()
        return "failed", invalid.errors
    except Exception:
        log.exception("sales import %s line %s: enroll failed", import_id, sale.line)
        db.session.rollback()
        return "failed", {"": ["This sale could not be saved because of an unexpected error (logged)."]}
    return ("imported" if result.created else "already"), result.enrollment.number


def import_summary(imported: int, already: int, failed: int, skipped: int, stopped_at: Optional[int]) -> str:
    """One sentence of what the import did."""
    text = f"{imported:,} new {'enrollment' if imported == 1 else 'enrollments'}"
    if already:
        text += f", {already:,} already imported before"
    if failed:
        text += f", {failed:,} refused when imported"
    if skipped:
        text += f", {skipped:,} with problems not imported"
    text += "."
    if stopped_at is not None:
        text += (f" All-or-nothing stopped at line {stopped_at}: it no longer passes the checks (the catalog "
                 "changed since the check). Fix it and import the file again; the rows made are not made twice.")
    return text[:500]


def _audit(session: Session, actor: str, actor_id: Optional[int], import_id: int, after: dict[str, Any]) -> None:
    audit.record(session, actor=actor, actor_id=actor_id, action="import", entity_type="sales_import",
                 entity_id=str(import_id), after=after)
