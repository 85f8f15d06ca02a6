"""The embedded wizard's own pages (entry, branding files); the steps are the signup's, mounted
again under `/embed/<affiliate>/signup/`."""
from __future__ import annotations

from flask import Blueprint

#: `/embed/<affiliate>/...`: every view takes the affiliate's code as its first argument.
bp = Blueprint("embed", __name__, url_prefix="/embed/<affiliate>")
