"""A sales file's columns and its reading: the header checked, the text decoded, its rows by line.

The columns are the wizard's own field names (what `service.check` takes) and four of the sale's:
`sale_id` (the vendor's reference, required), `consent_method` (phone or signed_contract),
`consent_reference` (the recorded call's or TPV's reference, or the signed contract's) and `partner`
(an affiliate code, optional). Column names are matched without case or surrounding spaces; a
column the importer does not know is refused rather than dropped (a misspelt `emial` would lose
every email). Anything that is not a CSV text file is refused with what to do instead.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Iterator

from wizard.core.csv_files import decode

#: The wizard's fields, as its forms name them.
FIELDS = ("zip", "promo", "customer_type", "utility", "referral", "plan", "first_name", "last_name", "email",
          "phone", "language", "contact_method", "business_name", "tax_id", "date_of_birth", "identity_value",
          "service_line1", "service_line2", "service_city", "billing_same", "billing_line1", "billing_line2",
          "billing_city", "billing_state", "billing_zip", "esi_id", "enrollment_type", "start_timing",
          "switch_date", "move_in_date")
#: The sale's own columns.
SALE = ("sale_id", "consent_method", "consent_reference", "partner")
COLUMNS = SALE + FIELDS
#: Without these no row could be imported, so a file without them is refused at once.
REQUIRED = ("sale_id", "consent_method", "consent_reference", "zip", "customer_type", "plan", "first_name",
            "last_name", "email", "phone", "service_line1", "service_city")
DELIMITERS = (",", ";", "\t")
#: Longer than any answer: a cell this long is not a sale (an unclosed quote swallowing the file).
MAX_CELL = 1000


class Refused(Exception):
    """The file cannot be checked at all; the message tells staff why and what to do."""


@dataclass
class Sheet:
    """The rows of a file: (line, {column: value}) for each sale, and the lines that could not be read."""

    columns: list[str]
    text: str = ""
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    #: (line, message) of rows that are not a sale's (a wrong number of values, unreadable CSV).
    unreadable: list[tuple[int, str]] = field(default_factory=list)


def text_of(data: bytes) -> str:
    """The file's text: UTF-8 or UTF-16 with its byte-order mark, else UTF-8 with Windows-1252 for
    bytes that are not; refused when it is not a text file at all."""
    if not data.strip():
        raise Refused("The file is empty. Choose the CSV file of sales: its first line names the columns.")
    if data.startswith(b"PK\x03\x04"):
        raise Refused("This is a ZIP file or an Excel workbook (.xlsx), not a CSV file. In Excel choose "
                      "File > Save As > CSV UTF-8 (comma delimited), then upload that file.")
    if data.startswith(b"%PDF"):
        raise Refused("This is a PDF document, not a CSV file. Upload the sales as a CSV file.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise Refused("The file says it is UTF-16 text but cannot be read as such. Save it again as "
                          "CSV UTF-8 and upload that.") from None
    if b"\x00" in data:
        raise Refused("This is not a text file (it holds NUL bytes), so not a CSV file. Save the sales as "
                      "CSV UTF-8 and upload that.")
    return decode(data)


def _delimiter(first_line: str) -> str:
    """The delimiter that splits the header into the most known columns (Excel in some countries
    writes semicolons; "Unicode text" tabs)."""
    def known(d: str) -> int:
        return sum(1 for name in first_line.split(d) if _name(name) in COLUMNS)
    return max(DELIMITERS, key=known)


def _name(cell: str) -> str:
    return cell.strip().strip('"').strip().lower()


def header_problem(header: list[str]) -> str | None:
    """What is wrong with the header, in staff's words, or None."""
    names = [_name(cell) for cell in header]
    if not any(names):
        return "The first line is empty: it must name the columns (sale_id, consent_method, zip, plan, ...)."
    # A column without a name (a trailing comma) is left out; one with an unknown name is refused.
    unknown = [cell.strip() for cell, name in zip(header, names, strict=True) if name and name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing required {'column' if len(missing) == 1 else 'columns'}: {', '.join(missing)}")
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        problems.append(f"{'a column' if len(unknown) == 1 else 'columns'} the importer does not know: {shown}")
    if repeated:
        problems.append(f"{'a column' if len(repeated) == 1 else 'columns'} named twice: {', '.join(repeated)}")
    if not problems:
        return None
    return ("The first line (the header) is not a sales file's: " + "; ".join(problems)
            + ". The columns are the wizard's field names, e.g. sale_id, consent_method, consent_reference, "
              "partner, zip, customer_type, plan, first_name, ... (see the list on this page).")


def read(data: bytes, max_rows: int) -> Sheet:
    """The file's rows; refused (with why) when it has no usable header, no rows or too many."""
    text = text_of(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if header is None or not any(cell.strip() for cell in header):
        raise Refused("The file's first line is empty: it must name the columns (sale_id, consent_method, zip, ...).")
    problem = header_problem(header)
    if problem:
        raise Refused(problem)
    sheet = Sheet(columns=[_name(cell) for cell in header], text=text)
    for line, cells, error in _records(reader):
        if error:
            sheet.unreadable.append((line, error))
        elif len(cells) != len(header):
            sheet.unreadable.append((line, f"This line has {len(cells)} {'value' if len(cells) == 1 else 'values'} but the header names {len(header)} columns: "
                                           "check for a missing or extra comma, or an unclosed quote."))
        elif any(len(cell) > MAX_CELL for cell in cells):
            sheet.unreadable.append((line, f"This line has a value over {MAX_CELL} characters: an unclosed quote?"))
        else:
            sheet.rows.append((line, {name: cell.strip() for name, cell in zip(sheet.columns, cells, strict=True)
                                      if name}))
        if len(sheet.rows) + len(sheet.unreadable) > max_rows:
            raise Refused(f"The file has more than {max_rows:,} sales: split it into files of at most "
                          f"{max_rows:,} rows.")
    if not sheet.rows and not sheet.unreadable:
        raise Refused("The file has its header but no sales: each line after the first is one sale.")
    return sheet


def _records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str], str | None]]:
    """(first line, cells, None) for each non-blank record; (line, [], why) for one csv cannot read."""
    previous = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield previous + 1, [], f"This line cannot be read as CSV ({exc})."
            previous = reader.line_num  # type: ignore[attr-defined]
            continue
        line, previous = previous + 1, reader.line_num  # type: ignore[attr-defined]
        if any(cell.strip() for cell in cells):
            yield line, cells, None
