"""TEMP stub until helper merges."""
from flask import Response
from .blueprint import bp
from .frames import open_affiliate
@bp.get("/brand.css")
def brand_css(affiliate: str) -> Response:
    a = open_affiliate(affiliate)
    return Response(":root{--brand:%s}" % a.brand_colour, mimetype="text/css")
@bp.get("/logo/<int:version>")
def logo(affiliate: str, version: int) -> Response:
    return Response(b"", mimetype="image/png")
