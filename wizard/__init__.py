"""The signup wizard of a retail electricity provider, packaged by feature.

- `core/`: what every feature shares (Flask extensions, sessions, rendering, dates, passwords,
  field rules, the product's `Base` and `Customer`, migrations, health, command line).
- `signup/`: the customer's web wizard, from ZIP to confirmation (the web channel).
- `account/`: My Account, where customers sign in and follow their enrollments.
- `catalog/`: what is offered where (utilities, plans, prices, documents, ZIP map).
- `admin/`: the staff area (marketing, operations, admin), the audit log and reports.

New enrollment channels (agents, the partner API, the sales importer) get a package of their own
beside `signup/` and hand their enrollments to the top-level `billing` package, as the wizard does.
`create_app` lives in `wizard.app`; importing this package loads neither Flask nor any feature,
so the Flask-free `billing` module can use `wizard.core.models`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Optional[Mapping[str, Any]] = None) -> "Flask":
    """Build the app (see `wizard.app.create_app`)."""
    from .app import create_app as build

    return build(test_config)
