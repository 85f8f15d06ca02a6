"""Enrollment dates: federal business days, the rescission period and allowed windows.

Pure functions, except `today`: an app may pin the market's day with its `TODAY` setting, so
that tests (and a demo of a given day) do not depend on the real date.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo

import holidays
from flask import current_app, has_app_context

#: ERCOT's calendar runs on Central time.
MARKET_TZ = ZoneInfo("America/Chicago")

#: ERCOT sends a standard switch about this many business days after it receives it.
SWITCH_PROCESSING_BUSINESS_DAYS = 3


@lru_cache(maxsize=8)
def _federal_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.US(years=year, observed=True))


def today() -> dt.date:
    """The market's calendar day now (ERCOT runs on Central time), or the app's pinned `TODAY`."""
    pinned = current_app.config.get("TODAY") if has_app_context() else None
    if pinned:
        return pinned if isinstance(pinned, dt.date) else dt.date.fromisoformat(pinned)
    return dt.datetime.now(MARKET_TZ).date()


def market_day(utc: dt.datetime) -> dt.date:
    """The market's calendar day of a naive UTC timestamp (evenings in Texas are tomorrow in UTC)."""
    return utc.replace(tzinfo=dt.UTC).astimezone(MARKET_TZ).date()


def local_time(moment: Optional[dt.datetime | str]) -> str:
    """A stored UTC time (naive, or ISO text) in the market's time zone, to the minute."""
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(MARKET_TZ).strftime("%Y-%m-%d %H:%M %Z")


def market_time(utc: dt.datetime) -> str:
    """A naive UTC timestamp as a customer in the market reads it: Nov 22, 2026, 8:05 PM CST."""
    local = utc.replace(tzinfo=dt.UTC).astimezone(MARKET_TZ)
    return f"{local:%b} {local.day}, {local.year}, {local.hour % 12 or 12}:{local:%M %p %Z}"


def is_business_day(day: dt.date) -> bool:
    """Monday to Friday and not a US federal holiday."""
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The date `days` federal business days after `start`."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            days -= 1
    return day


def rescission_ends(received: dt.date, business_days: int) -> dt.date:
    """Last day the customer may cancel without a fee, counted from receiving the TOS."""
    return add_business_days(received, business_days)


def first_available_switch(today: dt.date, rescission_business_days: int) -> dt.date:
    """Estimated date of a standard switch: sent after the rescission period, then processed."""
    return add_business_days(today, rescission_business_days + SWITCH_PROCESSING_BUSINESS_DAYS)


def earliest_requested(kind: str, today: dt.date, rescission_business_days: int) -> dt.date:
    """Earliest date a customer may ask for: move-in today; a chosen switch date after rescission."""
    if kind == "move_in":
        return today
    return add_business_days(today, rescission_business_days + 1)


def latest_requested(today: dt.date, max_days_ahead: int) -> dt.date:
    """Latest date the market accepts (ERCOT: 90 days ahead)."""
    return today + dt.timedelta(days=max_days_ahead)
