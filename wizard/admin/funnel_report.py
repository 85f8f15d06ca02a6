"""The funnel report's arithmetic: rows in wizard order, share of started, drop-off. Pure.

A draft begins ("started") when the customer answers the ZIP question or arrives by an
affiliate's link, so the ZIP page has no row of its own: "Started" is that row. Steps with a
condition (`applies`) are reached by some customers only; their drop-off is not a loss, so a
row's drop-off is counted from the nearest earlier row that every customer passes through.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping, Optional, Sequence

from wizard.core.dates import MARKET_TZ
from wizard.signup.funnel import COMPLETED, STARTED

#: The longest date range the report answers for, in days (both ends included).
MAX_DAYS = 366

#: Steps whose page is shown before a draft exists, so their count would mislead.
NOT_COUNTED = frozenset({"zip"})

#: Sub IDs the "By sub ID" table shows at most (affiliates may pass one per click).
SUB_ID_ROWS = 50

#: Characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclasses.dataclass(frozen=True)
class Stage:
    """A row of the report: a funnel step slug, its label, and whether only some customers see it."""

    slug: str
    label: str
    conditional: bool = False


@dataclasses.dataclass(frozen=True)
class Row:
    """A stage with its figures. Drop-off is None on conditional rows and on the first row."""

    stage: Stage
    reached: int
    percent_of_started: Optional[Decimal]
    drop_off: Optional[int]
    drop_off_percent: Optional[Decimal]
    compared_with: Optional[str]


@dataclasses.dataclass(frozen=True)
class SubIdRow:
    """One sub ID of an affiliate's links (None: links without one), with its drafts."""

    sub_id: Optional[str]
    started: int
    completed: int
    percent_completed: Optional[Decimal]


def sub_id_rows(counts: Iterable[tuple[Optional[str], int, int]]) -> list[SubIdRow]:
    """The "By sub ID" rows from (sub_id, started, completed) counts, in the order given."""
    return [SubIdRow(sub_id, started, completed, percent(completed, started))
            for sub_id, started, completed in counts]


def stages(steps: Iterable[Any], always: Any) -> list[Stage]:
    """Started, each wizard step in order (conditional when its `applies` is not `always`), Completed."""
    middle = [Stage(s.slug, s.title, s.applies is not always) for s in steps if s.slug not in NOT_COUNTED]
    return [Stage(STARTED, "Started"), *middle, Stage(COMPLETED, "Completed")]


def percent(part: int, whole: int) -> Optional[Decimal]:
    """`part` as a percentage of `whole`, to one decimal place; None when `whole` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rows(stages: Sequence[Stage], counts: Mapping[str, int]) -> list[Row]:
    """The report's rows from `counts` (step slug -> drafts that reached it); missing slugs count 0."""
    started = counts.get(STARTED, 0)
    out: list[Row] = []
    base: Optional[tuple[Stage, int]] = None  # the last row every customer passes through
    for stage in stages:
        reached = counts.get(stage.slug, 0)
        drop, drop_pct, compared = None, None, None
        if base is not None and not stage.conditional:
            drop, drop_pct, compared = base[1] - reached, percent(base[1] - reached, base[1]), base[0].label
        out.append(Row(stage, reached, percent(reached, started), drop, drop_pct, compared))
        if not stage.conditional:
            base = (stage, reached)
    return out


def day_range_utc(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Naive UTC bounds [start, end) of the market-calendar days `first` to `last`, both included."""
    def midnight(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(), tzinfo=MARKET_TZ)
        return local.astimezone(dt.UTC).replace(tzinfo=None)
    return midnight(first), midnight(last + dt.timedelta(days=1))


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


CSV_HEADER = ("Step", "Conditional step", "Drafts that reached it", "% of started",
              "Drop-off (drafts)", "Drop-off %", "Drop-off counted from", "Channel", "From", "To")


def csv_rows(report: Sequence[Row], channel: str, first: dt.date, last: dt.date) -> list[list[Any]]:
    """The CSV export: a header row, then one row per report row, every text cell made safe."""
    def blank(value: Any) -> Any:
        return "" if value is None else value
    lines: list[list[Any]] = [list(CSV_HEADER)]
    for row in report:
        lines.append([safe_cell(cell) for cell in (
            row.stage.label, "yes" if row.stage.conditional else "no", row.reached,
            blank(row.percent_of_started), blank(row.drop_off), blank(row.drop_off_percent),
            blank(row.compared_with), channel, first.isoformat(), last.isoformat())])
    return lines
