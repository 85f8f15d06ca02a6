"""The admin area at /admin/: marketing, operations and admin staff, each role checked on the server.

Every admin endpoint declares the roles it serves with `@requires(...)`; a `before_request`
guard signs anonymous visitors in first and answers 403 to a role outside the list. An
endpoint that forgot to declare its roles is refused to everyone (fails closed).

The package also owns what only staff use: their accounts and server-side sessions
(`staff_accounts`), the audit log (`audit`), the funnel report's arithmetic (`funnel_report`) and
how personal data is masked for operations (`masking`); one module per page group besides.
"""
from __future__ import annotations

from flask import Blueprint


def blueprint() -> Blueprint:
    """The admin blueprint with every page group's routes registered on it."""
    from . import (  # noqa: F401  each module registers its routes
        acknowledgements,
        affiliates,
        api_keys,
        auth,
        catalog_settings,
        markets,
        operations,
        plans,
        premise_upload,
        preview,
        promos,
        recovery,
        referral_sources,
        reports,
        staff_views,
        zip_upload,
    )
    from wizard.sales_import import views  # noqa: F401  the Sales Importer's pages

    from .guard import bp

    return bp
