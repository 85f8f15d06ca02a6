"""Template filters: money and market time as customers read them, sealed links in emails."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask

from wizard.mail.links import unseal

from .dates import market_day, market_time


def cents(value: Decimal) -> str:
    """11.9¢ for Decimal('11.9000'): at least one decimal, no trailing zeros beyond it."""
    text = f"{Decimal(value).normalize():f}"
    if "." not in text:
        text += ".0"
    return f"{text}¢"


def dollars(value: Decimal) -> str:
    """$150 or $9.95."""
    value = Decimal(value)
    return f"${value:,.0f}" if value == value.to_integral() else f"${value:,.2f}"


def register(app: Flask) -> None:
    """Make the filters available to templates."""
    app.add_template_filter(cents)
    app.add_template_filter(dollars)
    app.add_template_filter(market_day)
    app.add_template_filter(market_time)
    app.add_template_filter(unseal)  # a sealed link in an email, opened as the message is rendered
