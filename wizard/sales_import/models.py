"""The record of one uploaded sales file: who, when, its counts, status, problems by line, its rows."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wizard.core.models import Base, utcnow

CHECKING, CHECKED, IMPORTING, DONE, FAILED, DISCARDED = "checking", "checked", "importing", "done", "failed", "discarded"
#: While these, a thread is working on the import and writing its progress.
RUNNING = (CHECKING, IMPORTING)
#: How the rows are imported: every row or none, or the valid rows only.
ALL, VALID = "all", "valid"


class SalesImport(Base):
    """One sales file: checked, then imported (or not), with its progress while a thread works on it."""

    __tablename__ = "sales_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    #: Whose plans the file's sales may be on: "web", "agent", or "partner" (each row's affiliate's).
    plans: Mapped[str] = mapped_column(String(16))
    started_by: Mapped[str] = mapped_column(String(254))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: checking -> checked -> importing -> done; or discarded (checked, then not imported) or failed
    #: (an unexpected error, logged).
    status: Mapped[str] = mapped_column(String(12), default=CHECKING)
    mode: Mapped[str] = mapped_column(String(8), default="")  # "all" or "valid", once chosen
    imported_by: Mapped[Optional[str]] = mapped_column(String(254))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_checked: Mapped[int] = mapped_column(default=0)
    rows_invalid: Mapped[int] = mapped_column(default=0)
    #: Rows whose sale an earlier import made (seen by the check, or when imported).
    rows_already: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)  # rows the import has been through
    rows_imported: Mapped[int] = mapped_column(default=0)  # new enrollments made
    rows_failed: Mapped[int] = mapped_column(default=0)  # refused by the service when imported
    #: The first problems: {"line", "field", "message"} ("field" "" when not about one column).
    errors: Mapped[list[Any]] = mapped_column(default=list)
    #: Every line the check found a problem in (valid-rows-only leaves them out).
    invalid_lines: Mapped[list[Any]] = mapped_column(default=list)
    #: Per row that was not imported as new: {"line", "sale_id", "outcome", "number"}.
    outcomes: Mapped[list[Any]] = mapped_column(default=list)
    message: Mapped[str] = mapped_column(String(500), default="")
    #: The file's text, encrypted with the field-encryption keys (it holds identity numbers), kept only
    #: between the upload and the end of its import; any process can import it.
    content: Mapped[Optional[str]] = mapped_column(Text)
    #: Set at every progress report: a running import not updated for long has stopped (a restart).
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]]
