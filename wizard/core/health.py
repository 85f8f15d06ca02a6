"""Health endpoints for load balancers and orchestrators."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from .extensions import db
from .migrate import at_head

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready for traffic: the database answers and its schema is at the newest migration."""
    try:
        db.session.execute(text("SELECT 1"))
        migrated = at_head(current_app)
    except SQLAlchemyError as exc:
        current_app.logger.warning("readyz: database unreachable (%s)", type(exc).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    if not migrated:
        return jsonify(status="unavailable", database="ok", migrations="behind head"), 503
    return jsonify(status="ok", database="ok", migrations="at head"), 200
