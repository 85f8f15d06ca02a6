"""The staging tables and the set-based merge of an extract into `premise`, one way per database.

Both upsert new and changed premises (unchanged ones are not written) and, for a FULL file, then
delete the premises of the file's TDSPs that it no longer lists, all in one transaction: customers
keep reading the old rows until the commit, and a failure leaves them as they were.

- PostgreSQL: batches of rows go by COPY into a temporary table and are upserted from it by a
  thread while the next batch is parsed (see `PostgresStage`).
- SQLite: the rows go by executemany into a TEMP table (in SQLite's separate temp database, so
  the premise table stays unlocked while the file is read), then one `BEGIN IMMEDIATE` merge.

An ESI ID listed twice: the later line wins and the earlier ones are reported as bad rows.

Every statement is written below once, from fixed table names and the model's column names:
nothing read from a file is ever part of SQL text (values go by COPY, executemany or parameters).
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

#: Premise columns, in the staging tables' order after `line` and `ok`.
FIELDS: list[str] = [c.name for c in Premise.__table__.columns]
#: Rows per executemany on SQLite.
BATCH = 5_000
#: Rows per merged batch on PostgreSQL: large batches sorted by the lookup index's order touch its
#: pages together (two batches of COPY text, ~10 MB each, are in memory at once).
PG_BATCH = 50_000
#: Duplicate ESI IDs listed by line (all are counted).
SHOWN_DUPLICATES = 100
#: Serialises merges on PostgreSQL (two imports may read their files at the same time).
ADVISORY_LOCK = 0x5052454D  # "PREM"

_COLS = ", ".join(FIELDS)
_UPDATED = [f for f in FIELDS if f != "esi_id"]
_FLAGS = [FIELDS.index("metered") + 2, FIELDS.index("switch_hold") + 2]  # positions in a staged row
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_PG_TYPES = ", ".join(f"{f} {'boolean' if f in ('metered', 'switch_hold') else 'text'}" for f in FIELDS)

# --- the statements (table and column names only; # nosec B608 on each: no input in them) -------------------------

#: Earlier lines of ESI IDs listed more than once among the good rows, with the line that is kept.
DUPLICATES = ("SELECT s.line, s.esi_id, d.keep FROM premise_stage s JOIN (SELECT esi_id, max(line) AS keep "
              "FROM premise_stage WHERE ok GROUP BY esi_id HAVING count(*) > 1) d "
              "ON s.esi_id = d.esi_id WHERE s.ok AND s.line < d.keep")
COUNT_DUPLICATES = f"SELECT count(*) FROM ({DUPLICATES}) x"  # nosec B608
FIRST_DUPLICATES = f"{DUPLICATES} ORDER BY s.line LIMIT {SHOWN_DUPLICATES}"  # nosec B608

PG_BATCH_TABLE = (f"CREATE TEMPORARY TABLE premise_batch (line integer NOT NULL, ok boolean NOT NULL, {_PG_TYPES}) "
                  "ON COMMIT DROP")
PG_STAGE_TABLE = ("CREATE TEMPORARY TABLE premise_stage (line integer NOT NULL, ok boolean NOT NULL, "
                  'esi_id text COLLATE "C" NOT NULL) ON COMMIT DROP')  # as premise.esi_id: sorts byte-wise
PG_COPY = f"COPY premise_batch (line, ok, {_COLS}) FROM STDIN"
PG_KEEP_LINES = "INSERT INTO premise_stage SELECT line, ok, esi_id FROM premise_batch"
#: Upsert from `{rows}`, in the (zip, address_key) index's order (neighbouring inserts share index
#: pages); unchanged premises are not written; answers (added, changed).
PG_UPSERT = (
    f"WITH written AS (INSERT INTO premise AS p ({_COLS}) SELECT {_COLS} FROM ({{rows}}) b "  # nosec B608
    f"ORDER BY zip, address_key ON CONFLICT (esi_id) DO UPDATE SET "
    + ", ".join(f"{f} = EXCLUDED.{f}" for f in _UPDATED)
    + " WHERE (" + ", ".join(f"p.{f}" for f in _UPDATED) + ") IS DISTINCT FROM ("
    + ", ".join(f"EXCLUDED.{f}" for f in _UPDATED) + ") RETURNING (p.xmax = 0) AS added) "
    "SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM written")
PG_BATCH_ROWS = "SELECT * FROM premise_batch WHERE ok"
#: While no batch has met a stored ESI ID (a first load): a plain insert checks the primary key
#: once per row, where ON CONFLICT probes it first and then checks it again as it inserts.
PG_INSERT = (f"INSERT INTO premise ({_COLS}) SELECT {_COLS} FROM premise_batch WHERE ok "  # nosec B608
             "ORDER BY zip, address_key")
PG_BATCH_LAST_ROWS = "SELECT DISTINCT ON (esi_id) * FROM premise_batch WHERE ok ORDER BY esi_id, line DESC"
PG_REMOVE = ("DELETE FROM premise p WHERE p.duns = ANY(:duns) AND NOT EXISTS "
             "(SELECT 1 FROM premise_stage s WHERE s.esi_id = p.esi_id)")

SQLITE_STAGE_TABLE = f"CREATE TEMP TABLE premise_stage (line INTEGER NOT NULL, ok INTEGER NOT NULL, {_COLS})"
SQLITE_INSERT = f"INSERT INTO temp.premise_stage VALUES ({', '.join('?' * (len(FIELDS) + 2))})"  # nosec B608
SQLITE_SUPERSEDE = f"UPDATE premise_stage SET ok = 0 WHERE line IN (SELECT line FROM ({DUPLICATES}))"  # nosec B608
SQLITE_UPSERT = (
    f"INSERT INTO premise ({_COLS}) SELECT {_COLS} FROM temp.premise_stage WHERE ok ORDER BY line "  # nosec B608
    "ON CONFLICT (esi_id) DO UPDATE SET " + ", ".join(f"{f} = excluded.{f}" for f in _UPDATED)
    + " WHERE " + " OR ".join(f"premise.{f} IS NOT excluded.{f}" for f in _UPDATED))
SQLITE_REMOVE = text("DELETE FROM premise WHERE duns IN :duns AND NOT EXISTS "
                     "(SELECT 1 FROM temp.premise_stage s WHERE s.esi_id = premise.esi_id)"
                     ).bindparams(bindparam("duns", expanding=True))
COUNT_PREMISES = "SELECT count(*) FROM premise"


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
        """Store (line, ok, *FIELDS) tuples; a bad row's tuple has its line, False, its ESI ID and Nones."""

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


def _report_duplicates(conn: Connection, merged: Merged) -> None:
    """Count the earlier lines of repeated ESI IDs and list the first ones (the last line is merged)."""
    merged.duplicate_count = conn.exec_driver_sql(COUNT_DUPLICATES).scalar_one()
    if merged.duplicate_count:
        merged.duplicates = [
            {"line": line, "message": f"ESIID {esi} is listed again on line {keep}, which is imported"}
            for line, esi, keep in conn.exec_driver_sql(FIRST_DUPLICATES)]


def copy_line(row: tuple[Any, ...]) -> str:
    """A staged row as a line of COPY's text format (faster than the driver's row by row)."""
    if not row[1]:  # a bad row: its line and ESI ID only
        return f"{row[0]}\tf\t{row[2]}" + "\t\\N" * (len(row) - 3)
    parts = list(row)
    parts[0], parts[1] = str(row[0]), "t"
    for i in _FLAGS:
        parts[i] = "t" if row[i] else "f"
    line = "\t".join(parts)
    if "\\" in line or "\n" in line or "\r" in line or line.count("\t") != len(parts) - 1:
        line = "\t".join(p.translate(_COPY_ESCAPES) for p in parts)  # rare: escape each value
    return line


class PostgresStage:
    """COPY into temporary tables, merged batch by batch in the import's one transaction.

    The caller's thread parses a batch into COPY text while a thread sends the previous one and
    upserts it from `premise_batch`: Python's parsing and PostgreSQL's index maintenance overlap
    on two cores. `premise_stage` keeps every line's ESI ID for the FULL file's removals and the
    report of repeated ESI IDs.
    """

    def __init__(self, conn: Connection):
        self.conn, self.merged = conn, Merged()
        self.all_new = True  # until a batch meets a stored premise
        # Hash joins and aggregates over millions of staged rows stay in memory (this transaction only).
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")
        conn.exec_driver_sql(PG_BATCH_TABLE)
        conn.exec_driver_sql(PG_STAGE_TABLE)

    def load(self, rows: Iterable[tuple[Any, ...]]) -> None:
        iterator = iter(rows)
        with ThreadPoolExecutor(1, thread_name_prefix="premise-merge") as pool:
            pending: Optional[Future[None]] = None
            # Each batch parsed and written as COPY text here while the previous one merges.
            while lines := [copy_line(row) for row in islice(iterator, PG_BATCH)]:
                data = "\n".join(lines) + "\n"
                del lines
                if pending:
                    pending.result()  # its error stops the import
                pending = pool.submit(self._merge_batch, data)
            if pending:
                pending.result()

    def _merge_batch(self, data: str) -> None:
        """COPY a batch and upsert it; the thread waits for PostgreSQL without holding the GIL."""
        self.conn.exec_driver_sql("TRUNCATE premise_batch")
        with self.conn.connection.driver_connection.cursor() as cursor, cursor.copy(PG_COPY) as copy:
            copy.write(data)
        self.conn.exec_driver_sql(PG_KEEP_LINES)
        if self.all_new:
            try:
                with self.conn.begin_nested():
                    self.merged.added += self.conn.exec_driver_sql(PG_INSERT).rowcount
                return
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) != "23505":  # a stored (or repeated) ESI ID
                    raise
                self.all_new = False  # the following batches upsert at once
        try:
            with self.conn.begin_nested():
                self._upsert(PG_BATCH_ROWS)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != "21000":  # ON CONFLICT met one ESI ID twice
                raise
            self._upsert(PG_BATCH_LAST_ROWS)  # the repeats are reported once the whole file is read

    def _upsert(self, rows: str) -> None:
        added, changed = self.conn.exec_driver_sql(PG_UPSERT.format(rows=rows)).one()
        self.merged.added += added
        self.merged.changed += changed

    def merge(self, replace_duns: Sequence[str], before_commit: Callable[[Connection, Merged], None]) -> Merged:
        conn, merged = self.conn, self.merged
        if replace_duns:
            # The removals look each stored premise of the file's TDSPs up among the file's ESI IDs.
            # The statistics of `premise` may predate this transaction's millions of rows (seen:
            # autovacuum had just analyzed the demo's 172): the planner then chose a nested loop
            # rescanning the staged file per premise, which never ended. ANALYZE here counts this
            # transaction's rows, and the index keeps even that plan fast.
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            conn.exec_driver_sql("CREATE INDEX ON premise_stage (esi_id)")
            conn.exec_driver_sql("ANALYZE premise")
        conn.exec_driver_sql("ANALYZE premise_stage")  # temporary tables get no statistics otherwise
        if not self.all_new:  # plain inserts of every batch succeeded: no ESI ID was listed twice
            _report_duplicates(conn, merged)
        if replace_duns:
            merged.removed = conn.execute(text(PG_REMOVE), {"duns": list(replace_duns)}).rowcount
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
        self.raw.execute("DROP TABLE IF EXISTS temp.premise_stage")
        self.raw.execute(SQLITE_STAGE_TABLE)

    def load(self, rows: Iterable[tuple[Any, ...]]) -> None:
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            self.raw.execute("BEGIN")
            self.raw.executemany(SQLITE_INSERT, batch)
            self.raw.execute("COMMIT")

    def merge(self, replace_duns: Sequence[str], before_commit: Callable[[Connection, Merged], None]) -> Merged:
        conn, merged = self.conn, Merged()
        self.raw.execute("CREATE INDEX temp.ix_premise_stage_esi_id ON premise_stage (esi_id)")
        self.raw.execute("BEGIN IMMEDIATE")  # the write lock first: the counts below stay true
        try:
            _report_duplicates(conn, merged)
            if merged.duplicate_count:  # merge only the last line of each ESI ID: the counts stay exact
                self.raw.execute(SQLITE_SUPERSEDE)
            before = conn.exec_driver_sql(COUNT_PREMISES).scalar_one()
            written = conn.exec_driver_sql(SQLITE_UPSERT).rowcount
            merged.added = conn.exec_driver_sql(COUNT_PREMISES).scalar_one() - before
            merged.changed = written - merged.added
            if replace_duns:
                merged.removed = conn.execute(SQLITE_REMOVE, {"duns": list(replace_duns)}).rowcount
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
        self.raw.execute("DROP TABLE IF EXISTS temp.premise_stage")
        self.raw.isolation_level = self.isolation
