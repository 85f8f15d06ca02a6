"""A premise (one ESI ID) as the extract describes it, and the record of each import."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from wizard.core.models import Base, utcnow

#: Lookup keys compare byte-wise on PostgreSQL too (collation "C"), so a prefix is a key range.
Key = String(160).with_variant(String(160, collation="C"), "postgresql")


def Digits(length: int) -> String:  # noqa: N802  a column type, named like one
    """Digits compared byte-wise on PostgreSQL: the same order as a locale's, and cheaper to
    index (an import of millions of premises spends its time in the indexes' comparisons)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")  # type: ignore[return-value]


class Premise(Base):
    """One ESI ID: the service address and what the TDSP says about it."""

    __tablename__ = "premise"
    __table_args__ = (
        Index("ix_premise_zip_address_key", "zip", "address_key"),
        Index("ix_premise_zip_street_key", "zip", "street_key"),
    )

    esi_id: Mapped[str] = mapped_column(Digits(22), primary_key=True)
    address: Mapped[str] = mapped_column(String(120))
    address_overflow: Mapped[str] = mapped_column(String(60), default="")
    city: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(2))
    zip: Mapped[str] = mapped_column(Digits(5))
    zip4: Mapped[str] = mapped_column(String(4), default="")
    duns: Mapped[str] = mapped_column(Digits(16), index=True)
    meter_read_cycle: Mapped[str] = mapped_column(String(8), default="")
    status: Mapped[str] = mapped_column(String(20))
    premise_type: Mapped[str] = mapped_column(String(40))
    power_region: Mapped[str] = mapped_column(String(20), default="")
    station_code: Mapped[str] = mapped_column(String(20), default="")
    station_name: Mapped[str] = mapped_column(String(60), default="")
    metered: Mapped[bool]
    open_service_orders: Mapped[str] = mapped_column(String(40), default="")
    polr_customer_class: Mapped[str] = mapped_column(String(40), default="")
    settlement_ams: Mapped[str] = mapped_column(String(20), default="")
    tdsp_ams: Mapped[str] = mapped_column(String(20), default="")
    switch_hold: Mapped[bool]
    #: Normalised "number street unit" and "street unit number": what the lookup matches a prefix of.
    address_key: Mapped[str] = mapped_column(Key)
    street_key: Mapped[str] = mapped_column(Key)


class PremiseImport(Base):
    """One run of the import (command line or admin): progress while it runs, the result after."""

    __tablename__ = "premise_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8), default="")  # "full" or "daily", once known
    source: Mapped[str] = mapped_column(String(12))  # "cli" or "admin"
    started_by: Mapped[Optional[str]] = mapped_column(String(254))
    #: running; then done, refused (the file cannot be imported: nothing changed) or failed (an error
    #: while importing: nothing changed either, the import is one transaction)
    status: Mapped[str] = mapped_column(String(12), default="running")
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_loaded: Mapped[int] = mapped_column(default=0)  # good rows: premises the file gives
    rows_added: Mapped[int] = mapped_column(default=0)  # of which new premises
    rows_changed: Mapped[int] = mapped_column(default=0)  # of which changed ones (the rest: unchanged)
    rows_removed: Mapped[int] = mapped_column(default=0)
    rows_bad: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)  # the first bad rows: {"line", "message"}
    message: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Set at every progress report: a running import not updated for long has stopped (a restart).
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]]
