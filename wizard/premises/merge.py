"""The staging tables and the set-based merge of an extract into `premise`, one way per database.

Both upsert new and changed premises (unchanged ones are not written) and, for a FULL file, then
delete the premises of the file's TDSPs that it no longer lists, all in one transaction: customers
keep reading the old rows until the commit, and a failure leaves them as they were.

- PostgreSQL: batches of rows go by COPY into a temporary table and are upserted from it by a
  thread while the next batch is parsed (see `PostgresStage`).
- SQLite: the rows go by executemany into a TEMP table (in SQLite's separate temp database, so
  the premise table stays unlocked while the file is read), then one `BEGIN IMMEDIATE` merge.

An ESI ID listed twice: the later line wins and the earlier ones are reported as bad rows.
"""
from __future__ import annotations

import contextlib
import dataclasses
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Optional, Protocol, Sequence

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

from .models import Premise

#: Premise columns, in the staging table's order after `line` and `ok`.
FIELDS: list[str] = [c.name for c in Premise.__table__.columns]
FLAGS = {"metered", "switch_hold"}
STAGE = "premise_stage"
#: Rows per executemany on SQLite.
BATCH = 5_000
#: Rows per merged batch on PostgreSQL (two batches, some 40 MB, are in memory at once).
PG_BATCH = 20_000
#: Duplicate ESI IDs listed by line (all are counted).
SHOWN_DUPLICATES = 100
#: Serialises merges on PostgreSQL (two imports may read their files at the same time).
ADVISORY_LOCK = 0x5052454D  # "PREM"

_COLS = ", ".join(FIELDS)
_UPDATED = [f for f in FIELDS if f != "esi_id"]


@dataclasses.dataclass
class Merged:
    """What the merge did: premises added, changed and removed; earlier lines of repeated ESI IDs."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    duplicates: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # {"line", "message"}
    duplicate_count: int = 0


class Stage(Protocol):
    """A staging table on one connection: load rows, then merge them (committing) or abandon them."""

    def load(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Store (line, ok, *FIELDS) tuples; a bad row's tuple has only its line, False and ESI ID."""

    def merge(self, replace_duns: Sequence[str], before_commit: Callable[[Connection, Merged], None]) -> Merged:
        """Upsert the good rows, delete what FULL files of `replace_duns` no longer list, commit."""


@contextlib.contextmanager
def staging(engine: Engine) -> Iterator[Stage]:
    """A staging table for one import; whatever is not merged is rolled back and dropped."""
    with engine.connect() as conn:
        stage: Any = PostgresStage(conn) if conn.dialect.name == "postgresql" else SqliteStage(conn)
        try:
            yield stage
        finally:
            stage.close()


def _duplicates_sql(limit: bool) -> str:
    """Earlier lines of ESI IDs listed more than once among the good rows, with the line kept."""
    return (f"SELECT s.line, s.esi_id, d.keep FROM {STAGE} s JOIN "
            f"(SELECT esi_id, max(line) AS keep FROM {STAGE} WHERE ok GROUP BY esi_id HAVING count(*) > 1) d "
            f"ON s.esi_id = d.esi_id WHERE s.ok AND s.line < d.keep"
            + (f" ORDER BY s.line LIMIT {SHOWN_DUPLICATES}" if limit else ""))


def _report_duplicates(conn: Connection, merged: Merged) -> None:
    """Count the earlier lines of repeated ESI IDs and list the first ones (the last line is merged)."""
    merged.duplicate_count = conn.exec_driver_sql(f"SELECT count(*) FROM ({_duplicates_sql(False)}) x").scalar_one()
    if merged.duplicate_count:
        merged.duplicates = [
            {"line": line, "message": f"ESIID {esi} is listed again on line {keep}, which is imported"}
            for line, esi, keep in conn.exec_driver_sql(_duplicates_sql(True))]


class PostgresStage:
    """COPY into temporary tables, merged batch by batch in the import's one transaction.

    A thread merges each batch (COPY into `premise_batch`, then one upsert sorted by the lookup
    index's order) while the caller parses the next one: Python's parsing and PostgreSQL's index
    maintenance overlap on two cores. `premise_stage` keeps every line's ESI ID for the FULL
    file's removals and the report of repeated ESI IDs. Nothing is visible before the commit.
    """

    def __init__(self, conn: Connection):
        self.conn, self.merged = conn, Merged()
        # Hash joins and aggregates over millions of staged rows stay in memory (this transaction only).
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")
        columns = ", ".join(f"{f} {'boolean' if f in FLAGS else 'text'}" for f in FIELDS)
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE premise_batch (line integer NOT NULL, ok boolean NOT NULL, "
                             f"{columns}) ON COMMIT DROP")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {STAGE} (line integer NOT NULL, ok boolean NOT NULL, "
                             "esi_id text NOT NULL) ON COMMIT DROP")

    def load(self, rows: Iterable[tuple[Any, ...]]) -> None:
        iterator = iter(rows)
        with ThreadPoolExecutor(1, thread_name_prefix="premise-merge") as pool:
            pending: Optional[Future[None]] = None
            while batch := list(islice(iterator, PG_BATCH)):  # parsed while the previous batch merges
                if pending:
                    pending.result()  # its error stops the import
                self._copy(batch)  # here, not in the thread: both would hold the GIL
                pending = pool.submit(self._merge_batch)
            if pending:
                pending.result()

    def _copy(self, batch: list[tuple[Any, ...]]) -> None:
        self.conn.exec_driver_sql("TRUNCATE premise_batch")
        with self.conn.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY premise_batch (line, ok, {_COLS}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)

    def _merge_batch(self) -> None:
        """Upsert `premise_batch` (SQL only: the thread waits for PostgreSQL without the GIL)."""
        conn = self.conn
        conn.exec_driver_sql(f"INSERT INTO {STAGE} SELECT line, ok, esi_id FROM premise_batch")
        try:
            with conn.begin_nested():
                self._upsert("SELECT * FROM premise_batch WHERE ok")
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "21000":  # ON CONFLICT met one ESI ID twice
                raise
            # The batch's last line of each ESI ID; repeats are reported once the file is read.
            self._upsert("SELECT DISTINCT ON (esi_id) * FROM premise_batch WHERE ok ORDER BY esi_id, line DESC")

    def _upsert(self, rows: str) -> None:
        sets = ", ".join(f"{f} = EXCLUDED.{f}" for f in _UPDATED)
        old = ", ".join(f"p.{f}" for f in _UPDATED)
        new = ", ".join(f"EXCLUDED.{f}" for f in _UPDATED)
        # In the (zip, address_key) index's order: neighbouring inserts touch the same index pages.
        added, changed = self.conn.exec_driver_sql(
            f"WITH written AS (INSERT INTO premise AS p ({_COLS}) SELECT {_COLS} FROM ({rows}) b "
            f"ORDER BY zip, address_key "
            f"ON CONFLICT (esi_id) DO UPDATE SET {sets} WHERE ({old}) IS DISTINCT FROM ({new}) "
            f"RETURNING (p.xmax = 0) AS added) "
            f"SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM written").one()
        self.merged.added += added
        self.merged.changed += changed

    def merge(self, replace_duns: Sequence[str], before_commit: Callable[[Connection, Merged], None]) -> Merged:
        conn, merged = self.conn, self.merged
        conn.exec_driver_sql(f"ANALYZE {STAGE}")  # temporary tables get no statistics otherwise
        _report_duplicates(conn, merged)
        if replace_duns:
            merged.removed = conn.execute(text(
                f"DELETE FROM premise p WHERE p.duns = ANY(:duns) AND NOT EXISTS "
                f"(SELECT 1 FROM {STAGE} s WHERE s.esi_id = p.esi_id)"), {"duns": list(replace_duns)}).rowcount
        before_commit(conn, merged)
        conn.commit()
        return merged

    def close(self) -> None:
        """Nothing to do: the connection's rollback (unless merged) drops the tables."""


class SqliteStage:
    """executemany into a TEMP table (SQLite's temp database: the premise table stays unlocked)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.raw = conn.connection.driver_connection
        # Transactions by hand: batches commit into the temp database, the merge is BEGIN IMMEDIATE.
        self.isolation = self.raw.isolation_level
        self.raw.isolation_level = None
        self.raw.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
        self.raw.execute(f"CREATE TEMP TABLE {STAGE} (line INTEGER NOT NULL, ok INTEGER NOT NULL, {_COLS})")

    def load(self, rows: Iterable[tuple[Any, ...]]) -> None:
        insert = f"INSERT INTO temp.{STAGE} VALUES ({', '.join('?' * (len(FIELDS) + 2))})"
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            self.raw.execute("BEGIN")
            self.raw.executemany(insert, batch)
            self.raw.execute("COMMIT")

    def merge(self, replace_duns: Sequence[str], before_commit: Callable[[Connection, Merged], None]) -> Merged:
        conn, merged = self.conn, Merged()
        self.raw.execute(f"CREATE INDEX temp.ix_{STAGE}_esi_id ON {STAGE} (esi_id)")
        self.raw.execute("BEGIN IMMEDIATE")  # the write lock first: the counts below stay true
        try:
            _report_duplicates(conn, merged)
            if merged.duplicate_count:  # merge only the last line of each ESI ID: the counts stay exact
                self.raw.execute(f"UPDATE {STAGE} SET ok = 0 WHERE line IN (SELECT line FROM ({_duplicates_sql(False)}))")
            count = "SELECT count(*) FROM premise"
            before = conn.exec_driver_sql(count).scalar_one()
            sets = ", ".join(f"{f} = excluded.{f}" for f in _UPDATED)
            differs = " OR ".join(f"premise.{f} IS NOT excluded.{f}" for f in _UPDATED)
            written = conn.exec_driver_sql(
                f"INSERT INTO premise ({_COLS}) SELECT {_COLS} FROM temp.{STAGE} WHERE ok ORDER BY line "
                f"ON CONFLICT (esi_id) DO UPDATE SET {sets} WHERE {differs}").rowcount
            merged.added = conn.exec_driver_sql(count).scalar_one() - before
            merged.changed = written - merged.added
            if replace_duns:
                merged.removed = conn.execute(text(
                    f"DELETE FROM premise WHERE duns IN :duns AND NOT EXISTS "
                    f"(SELECT 1 FROM temp.{STAGE} s WHERE s.esi_id = premise.esi_id)")
                    .bindparams(bindparam("duns", expanding=True)), {"duns": list(replace_duns)}).rowcount
            before_commit(conn, merged)
            self.raw.execute("COMMIT")
        except BaseException:
            if self.raw.in_transaction:
                self.raw.execute("ROLLBACK")
            raise
        conn.commit()  # SQLAlchemy's own bookkeeping; SQLite's transaction is already committed
        return merged

    def close(self) -> None:
        if self.raw.in_transaction:
            self.raw.execute("ROLLBACK")
        self.raw.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
        self.raw.isolation_level = self.isolation
