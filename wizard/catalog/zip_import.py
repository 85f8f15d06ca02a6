"""Importing the ZIP-to-utility map from CSV: every row checked, all or nothing, idempotent.

The file has a header `zip,utility` and one row per pair. For every ZIP it lists, the file is
the whole truth: pairs not in the file are removed for that ZIP, missing ones added. ZIPs the
file does not mention are left alone, so re-importing a file changes nothing.
"""
from __future__ import annotations

import csv
import dataclasses
import io
from collections import defaultdict
from typing import IO, Iterable

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from wizard.core.validators import clean_zip

from .models import ServiceArea, Utility

MAX_ERRORS = 100


@dataclasses.dataclass(frozen=True)
class RowError:
    """Why one line of the file was refused."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclasses.dataclass
class ImportReport:
    """What an import did (or, with errors, why it did nothing)."""

    errors: list[RowError] = dataclasses.field(default_factory=list)
    zips: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def parse(rows: Iterable[list[str]], utilities: set[str]) -> tuple[dict[str, set[str]], list[RowError]]:
    """ZIP -> utility codes from CSV rows (header first), and the errors found, by line."""
    mapping: dict[str, set[str]] = defaultdict(set)
    errors: list[RowError] = []
    iterator = iter(rows)
    header = [h.strip().lower() for h in next(iterator, [])]
    if header[:2] != ["zip", "utility"]:
        return {}, [RowError(1, "the first line must be the header: zip,utility")]
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(iterator, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are harmless
        if len(row) != 2:
            errors.append(RowError(line, f"expected 2 values (zip,utility), found {len(row)}"))
        else:
            zip_code, utility = clean_zip(row[0]), row[1].strip()
            if zip_code is None:
                errors.append(RowError(line, f"ZIP {row[0].strip()!r} is not 5 digits"))
            elif utility not in utilities:
                errors.append(RowError(line, f"unknown utility {utility!r}"))
            elif (zip_code, utility) in seen:
                errors.append(RowError(line, f"repeats line {seen[zip_code, utility]} ({zip_code},{utility})"))
            else:
                seen[zip_code, utility] = line
                mapping[zip_code].add(utility)
        if len(errors) >= MAX_ERRORS:
            errors.append(RowError(line, f"stopped after {MAX_ERRORS} errors"))
            break
    return dict(mapping), errors


def import_zips(session: Session, source: IO[str] | str, commit: bool = True) -> ImportReport:
    """Validate the whole file, then apply it in one transaction (or not at all).

    With `commit=False` the caller commits, so it can add to the same transaction (an audit entry).
    """
    text = source if isinstance(source, str) else source.read()
    utilities = set(session.scalars(select(Utility.code)))
    mapping, errors = parse(csv.reader(io.StringIO(text)), utilities)
    report = ImportReport(errors=errors, zips=len(mapping))
    if errors:
        return report
    wanted = {(z, u) for z, codes in mapping.items() for u in codes}
    existing: set[tuple[str, str]] = set()
    zips = sorted(mapping)
    for start in range(0, len(zips), 5000):  # IN lists of bounded size
        chunk = zips[start:start + 5000]
        rows = session.execute(select(ServiceArea.zip, ServiceArea.utility_code)
                               .where(ServiceArea.zip.in_(chunk)))
        existing.update((z, u) for z, u in rows)
    to_add, to_remove = wanted - existing, existing - wanted
    if to_remove:
        pairs = sorted(to_remove)
        for start in range(0, len(pairs), 5000):
            session.execute(delete(ServiceArea).where(
                tuple_(ServiceArea.zip, ServiceArea.utility_code).in_(pairs[start:start + 5000])))
    if to_add:
        session.execute(insert(ServiceArea), [{"zip": z, "utility_code": u} for z, u in sorted(to_add)])
    if commit:
        session.commit()
    report.added, report.removed, report.unchanged = len(to_add), len(to_remove), len(wanted & existing)
    return report
