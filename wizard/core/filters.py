"""Template filters: market time as customers read it, sealed links in emails (money and dates in
the page's language: wizard/core/i18n.py)."""
from __future__ import annotations

from flask import Flask

from wizard.mail.links import unseal

from .dates import market_day, market_time


def register(app: Flask) -> None:
    """Make the filters available to templates."""
    app.add_template_filter(market_day)
    app.add_template_filter(market_time)
    app.add_template_filter(unseal)  # a sealed link in an email, opened as the message is rendered
