"""Importing ERCOT's TDSP ESI ID extract: one file (CSV, or a .zip holding one CSV) into `premise`.

- **FULL** (the name says FUL): the file lists all premises of its TDSP. Premises of that DUNS it
  no longer lists are removed, in the same transaction as the upserts. A FULL file normally holds
  one TDSP; a file that holds several (a statewide file) replaces each DUNS present, except a
  DUNS with fewer than 1 % of the file's rows (`MINORITY_SHARE`): a few rows of another TDSP in one
  TDSP's file are a premise that changed hands or a mistake, not that TDSP's full list, so they
  are upserted as a daily file's would be and nothing of that TDSP is removed.
- **daily** (DAILY or DLY): the premises that changed; each is added or updated, nothing removed.

Importing the same file twice changes nothing. A bad row is skipped and reported by line with
the reason (the first `MAX_ERRORS` kept, all counted); a bad row never removes its premise. A
file whose header is not the extract's is refused with nothing changed, and so is one whose kind
is unknown. Any failure rolls the whole import back: customers keep the previous data.

Progress (bytes and rows read) is written to the `PremiseImport` record every `PROGRESS_EVERY`
rows in its own short transaction, so another process (the admin's progress page) can show it.
"""
from __future__ import annotations

import csv
import logging
import operator
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Optional

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session, sessionmaker

from wizard.core.csv_files import Counted, csv_rows
from wizard.core.models import utcnow

from . import extract
from .files import Refused, open_extract
from .merge import FIELDS, Merged, staging
from .models import Premise, PremiseImport

FULL, DAILY = "full", "daily"
KINDS = (FULL, DAILY)
MAX_ERRORS = 100
PROGRESS_EVERY = 50_000
MINORITY_SHARE = 0.01

log = logging.getLogger(__name__)
Listener = Callable[[PremiseImport], None]


def kind_from_name(filename: str) -> Optional[str]:
    """FULL or daily from an ERCOT file name ("..._FUL_...", "..._DAILY_..."/"DLY"), None if unclear."""
    name = Path(filename).name.upper()
    full, daily = "FUL" in name, "DAILY" in name or "DLY" in name
    return FULL if full and not daily else DAILY if daily and not full else None


def unknown_kind(filename: str) -> str:
    return (f"Cannot tell whether {Path(filename).name} is a FULL or a daily extract: ERCOT's file names "
            "contain FUL or DAILY. Say which it is (--full or --daily on the command line).")


class _Recorder:
    """Writes the import's progress and result to its PremiseImport row, each in its own transaction."""

    def __init__(self, factory: sessionmaker[Session], import_id: int, listener: Optional[Listener]):
        self.factory, self.import_id, self.listener = factory, import_id, listener

    def __call__(self, **values: Any) -> PremiseImport:
        values["updated_at"] = utcnow()
        with self.factory() as session:
            session.execute(update(PremiseImport).where(PremiseImport.id == self.import_id).values(**values))
            session.commit()
            record = session.get(PremiseImport, self.import_id)
            assert record is not None  # nosec B101: begin() made it
            session.expunge(record)
        if self.listener:
            self.listener(record)
        return record


class _Reading:
    """The rows of one file: parsed, counted, bad ones kept by line, progress reported."""

    def __init__(self, reader: Any, positions: dict[str, int], counted: Counted, record: _Recorder,
                 every: int):
        self.reader, self.positions, self.counted, self.record, self.every = reader, positions, counted, record, every
        self.read = self.bad = 0
        self.errors: list[dict[str, Any]] = []
        self.duns: Counter[str] = Counter()

    def _bad(self, line: int, message: str, row: list[str]) -> Optional[tuple[Any, ...]]:
        self.bad += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "message": message})
        esi = row[self.positions["ESIID"]].strip() if len(row) > self.positions["ESIID"] else ""
        # A bad row still names its premise: a FULL import must not remove it for being unreadable.
        if extract._ESI.fullmatch(esi):
            return (line, False, esi) + (None,) * (len(FIELDS) - 1)
        return None

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """(line, ok, *FIELDS) for every row; a bad row as (line, False, esi_id, None...)."""
        values_of = operator.itemgetter(*FIELDS)
        parse, reader, positions = extract.parse, self.reader, self.positions
        next_report = self.every
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a broken quote or an over-long field: that row only
                self.read += 1
                self._bad(reader.line_num, f"not readable as CSV ({exc})", [])
                continue
            if not row:
                continue  # a blank line
            self.read += 1
            line = reader.line_num
            try:
                if self.counted.nul and any("\x00" in cell for cell in row):
                    raise extract.BadRow("contains a NUL character")
                values = parse(row, positions)
            except extract.BadRow as exc:
                bad = self._bad(line, str(exc), row)
                if bad:
                    yield bad
            else:
                self.duns[values["duns"]] += 1
                yield (line, True) + values_of(values)
            if self.read >= next_report:
                next_report += self.every
                self.record(bytes_read=self.counted.count, rows_read=self.read, rows_bad=self.bad)


def begin(factory: sessionmaker[Session], filename: str, *, source: str, kind: Optional[str] = None,
          started_by: Optional[str] = None) -> int:
    """Record an import as running (before its file is read); answer its id."""
    with factory() as session:
        record = PremiseImport(filename=Path(filename).name[-255:], kind=kind or "", source=source,
                               started_by=started_by)
        session.add(record)
        session.commit()
        return record.id


def run(factory: sessionmaker[Session], import_id: int, path: Path, *, kind: Optional[str] = None,
        actor: Optional[str] = "command line", actor_id: Optional[int] = None, listener: Optional[Listener] = None,
        progress_every: int = PROGRESS_EVERY) -> PremiseImport:
    """Import the file at `path` for the record `import_id`; answer the finished record.

    Never raises for a bad file or a failed import: the record says refused or failed, and why.
    """
    record = _Recorder(factory, import_id, listener)
    with factory() as session:
        filename = session.get(PremiseImport, import_id).filename  # type: ignore[union-attr]
    try:
        kind = kind or kind_from_name(filename)
        if kind not in KINDS:
            raise Refused(unknown_kind(filename))
        with open_extract(path) as (raw, total):
            record(kind=kind, bytes_total=total)
            return _import(factory, record, raw, kind, actor, actor_id, progress_every)
    except Refused as exc:
        return record(status="refused", message=str(exc)[:500], finished_at=utcnow())
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # a damaged or unreadable file
        return record(status="failed", finished_at=utcnow(),
                      message=f"The file could not be read ({exc}). Nothing was changed."[:500])
    except Exception:
        log.exception("premise import %s failed", import_id)
        return record(status="failed", finished_at=utcnow(),
                      message="The import failed with an unexpected error (logged). Nothing was changed.")


def _import(factory: sessionmaker[Session], record: _Recorder, raw: IO[bytes], kind: str, actor: Optional[str],
            actor_id: Optional[int], every: int) -> PremiseImport:
    reader, counted = csv_rows(raw)
    header = next((row for row in reader if row), None)
    if header is None:
        raise Refused("The file is empty: it should begin with the extract's header (ESIID, ADDRESS, ...).")
    try:
        positions = extract.header_map(header)
    except extract.BadRow as exc:
        raise Refused(f"Line {reader.line_num}: {exc}") from None
    reading = _Reading(reader, positions, counted, record, every)
    with staging(factory.kw["bind"]) as stage:
        stage.load(reading.rows())
        record(bytes_read=counted.count, rows_read=reading.read, rows_bad=reading.bad,
               message="File read: saving the premises…")
        replaced = _replaced_duns(reading.duns) if kind == FULL else []

        def audit(conn: Connection, merged: Merged) -> None:
            if actor and (merged.added or merged.changed or merged.removed):
                _audit(conn, actor, actor_id, record.import_id, kind, merged, reading.bad)
        merged = stage.merge(replaced, audit)
    errors = sorted(reading.errors + merged.duplicates, key=operator.itemgetter("line"))[:MAX_ERRORS]
    loaded = sum(reading.duns.values()) - merged.duplicate_count
    # A repeated ESI ID merged in two batches was added, then perhaps changed: one premise either way.
    merged.changed = min(merged.changed, loaded - merged.added)
    bad = reading.bad + merged.duplicate_count
    return record(status="done", finished_at=utcnow(), rows_read=reading.read, rows_loaded=loaded,
                  rows_added=merged.added, rows_changed=merged.changed, rows_removed=merged.removed,
                  rows_bad=bad, errors=errors, message=summary(kind, loaded, merged, bad, reading.duns, replaced))


def _replaced_duns(counts: Counter[str]) -> list[str]:
    """The DUNS whose premises a FULL file replaces: each with at least MINORITY_SHARE of its rows."""
    total = sum(counts.values())
    return sorted(d for d, n in counts.items() if n >= MINORITY_SHARE * total)


def summary(kind: str, loaded: int, merged: Merged, bad: int, duns: Counter[str], replaced: list[str]) -> str:
    """One sentence of what the import did, for the command line and the admin page."""
    unchanged = loaded - merged.added - merged.changed
    text = (f"{'FULL' if kind == FULL else 'Daily'} file: {loaded:,} premises, {merged.added:,} new, "
            f"{merged.changed:,} changed, {unchanged:,} unchanged; {merged.removed:,} removed; "
            f"{bad:,} bad {'row' if bad == 1 else 'rows'} skipped.")
    others = sorted(set(duns) - set(replaced)) if kind == FULL else []
    if others:
        text += (f" Too few rows of DUNS {', '.join(others)} for a FULL list of that TDSP: "
                 "they were added or updated, none of its other premises removed.")
    return text[:500]


def _audit(conn: Connection, actor: str, actor_id: Optional[int], import_id: int, kind: str, merged: Merged,
           bad: int) -> None:
    """The change in the audit log, in the import's transaction."""
    from wizard.admin.audit import record

    with Session(bind=conn) as session:
        record(session, actor=actor, actor_id=actor_id, action="import", entity_type="premise",
               entity_id=f"import {import_id}", after={"kind": kind, "added": merged.added, "changed": merged.changed,
                                                      "removed": merged.removed, "bad": bad})
        session.flush()


def finish(factory: sessionmaker[Session], import_id: int, status: str, message: str) -> PremiseImport:
    """End an import that never read its file (its upload could not be kept)."""
    return _Recorder(factory, import_id, None)(status=status, message=message[:500], finished_at=utcnow())


def import_file(factory: sessionmaker[Session], path: Path, *, kind: Optional[str] = None, source: str = "cli",
                started_by: Optional[str] = None, filename: Optional[str] = None, **options: Any) -> PremiseImport:
    """Record and run one import of the file at `path` (named `filename`, default its own name)."""
    import_id = begin(factory, filename or path.name, source=source, kind=kind, started_by=started_by)
    return run(factory, import_id, path, kind=kind, **options)


def load_demo(factory: sessionmaker[Session], path: Path) -> bool:
    """Load the demo extract into an empty premise table (first start); answer whether it did."""
    with factory() as session:
        if session.scalar(select(Premise.esi_id).limit(1)) is not None:
            return False
    result = import_file(factory, path, kind=FULL, source="demo", actor=None)
    if result.status != "done":
        log.warning("demo premises not loaded from %s: %s", path, result.message)
    return result.status == "done"
