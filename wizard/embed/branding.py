"""TEMP stub until helper merges."""
from flask import Response
from .blueprint import bp
@bp.get("/brand.css")
def brand_css(affiliate: str) -> Response:
    return Response(":root{}", mimetype="text/css")
@bp.get("/logo/<int:version>")
def logo(affiliate: str, version: int) -> Response:
    return Response(b"", mimetype="image/png")
