"""The development mailbox: `/dev/mail` lists the messages the file transport wrote.

Only in the embedded default (MAIL_TRANSPORT=file, MAIL_DEV_PAGE on) and only for requests from
this machine (loopback): it shows customers' mail, which must never be served to the world.
"""
from __future__ import annotations

import ipaddress
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Optional

from flask import Blueprint, abort, current_app, make_response, request
from werkzeug.wrappers import Response

from wizard.core.rendering import render_page

bp = Blueprint("dev_mail", __name__, url_prefix="/dev/mail")

NAME = re.compile(r"[0-9]{8}-[a-z0-9_]{1,40}")


@bp.before_request
def only_here() -> None:
    """404 unless the dev mailbox is on and the request comes from this machine."""
    if not current_app.config["MAIL_DEV_PAGE"] or current_app.config["MAIL_TRANSPORT"] != "file":
        abort(404)
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        local = False
    if not local:
        abort(404)


def _folder() -> Path:
    return Path(current_app.config["MAIL_DIR"])


def _read(name: str) -> EmailMessage:
    if not NAME.fullmatch(name):
        abort(404)
    path = _folder() / f"{name}.eml"
    if not path.is_file():
        abort(404)
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())  # type: ignore[return-value]


@bp.get("/")
def inbox() -> Response:
    """Every message written, newest first."""
    rows = []
    folder = _folder()
    for path in sorted(folder.glob("*.eml"), reverse=True) if folder.is_dir() else []:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes(), headersonly=True)
        rows.append({"name": path.stem, "to": message["To"], "subject": message["Subject"], "date": message["Date"]})
    return render_page("dev/mail_list.html", title="Development mailbox", rows=rows, folder=folder)


@bp.get("/<name>")
def show(name: str) -> Response:
    """One message: its headers, plain text, HTML part and attachments."""
    message = _read(name)
    text = message.get_body(("plain",))
    attachments = [(i, part.get_filename(), part.get_content_type(), len(part.get_content()))
                   for i, part in enumerate(message.iter_attachments())]
    return render_page("dev/mail_show.html", title=str(message["Subject"]), name=name, message=message,
                       text=text.get_content() if text else "", attachments=attachments)


@bp.get("/<name>/html")
def html(name: str) -> Response:
    """The HTML part as a mail client shows it: sandboxed, no scripts, no remote content."""
    part = _read(name).get_body(("html",))
    if part is None:
        abort(404)
    response = make_response(part.get_content())
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                                   "frame-ancestors 'self'; sandbox")
    return response


@bp.get("/<name>/attachments/<int:index>")
def attachment(name: str, index: int) -> Response:
    """An attachment, downloaded as the customer would."""
    parts = list(_read(name).iter_attachments())
    if not 0 <= index < len(parts):
        abort(404)
    part = parts[index]
    response = make_response(part.get_content())
    response.headers["Content-Type"] = part.get_content_type()
    filename: Optional[str] = part.get_filename()
    response.headers["Content-Disposition"] = f'attachment; filename="{(filename or "attachment").replace(chr(34), "")}"'
    return response
