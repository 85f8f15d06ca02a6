"""Quick Enrollment: a call-centre or sales agent (staff role `agent`) enrolls a caller on one
screen, with the web's plans and the agents' own, reads the acknowledgement statements to the
caller and records the method of consent (a phone call's reference or a signed contract).

The agents' pages live under `/admin/agent/` so that they share the admin area's sign-in,
its cookie (scoped to `/admin`), its role guard and its error pages. Every rule about the
answers is the enrollment service's (`wizard.enrollments.service`): this package shows the
screen, shows the service's messages by field, keeps the consent evidence and says what
happened. The customer's My Account login is made and emailed by the service; an agent never
sees a username or a password.
"""
from __future__ import annotations

from flask import Blueprint


def blueprint() -> Blueprint:
    """The agents' blueprint with its routes registered."""
    from . import views  # noqa: F401  registers the routes
    from .guard import bp

    return bp
