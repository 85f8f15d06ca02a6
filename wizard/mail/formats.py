"""Dates and times as an email writes them, in the language it is being built in.

The builders run in the mail worker inside `i18n.speaking(...)`, and tests call them with no app
at all: these format with Babel directly for the current language (English with no app), where
Flask-Babel's own formats need an app context.
"""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime

from wizard.core import i18n
from wizard.core.dates import MARKET_TZ, market_time


def full_date(day: dt.date) -> str:
    """Monday, December 7, 2026 / lunes, 7 de diciembre de 2026."""
    return format_date(day, "full", locale=i18n.LOCALES[i18n.language()])


def market_moment(utc: dt.datetime) -> str:
    """A naive UTC time as a customer in the market reads it: Nov 22, 2026, 8:05 PM CST /
    22 de noviembre de 2026, 8:05 p.m. CST."""
    if i18n.language() == i18n.DEFAULT:
        return market_time(utc)  # the pages' words, to the letter
    return format_datetime(utc.replace(tzinfo=dt.UTC), "d 'de' MMMM 'de' y, h:mm a z", tzinfo=MARKET_TZ,
                           locale=i18n.LOCALES[i18n.language()])
