"""The evidence of consent an agent records: the method (a phone call with its call or third-party
verification reference, or a signed contract uploaded as a PDF), and each acknowledgement
statement read to the customer and agreed.

A signed contract is kept privately (owner-only file, random name) in SIGNED_CONTRACT_DIR
(default: the instance folder's `signed-contracts/`), never served by the web server; its stored
name goes into the enrollment's consent record.
"""
from __future__ import annotations

import dataclasses
import os
import re
import secrets
from pathlib import Path
from typing import Mapping, Optional

from flask import current_app
from werkzeug.datastructures import FileStorage

from wizard.catalog.documents import PDF_MAGIC

from .review import Statement

PHONE, SIGNED_CONTRACT = "phone", "signed_contract"
METHODS = {PHONE: "On the phone (recorded call or third-party verification)",
           SIGNED_CONTRACT: "Signed contract (upload the PDF)"}
REFERENCE_MAX = 64
#: Call-centre and TPV references: letters, digits and a few separators.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:/#-]*")
#: A stored contract's name, as `store` makes it (anything else is not ours).
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.pdf")


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The method of consent and its proof, once checked."""

    method: str
    reference: Optional[str] = None
    contract: Optional[bytes] = None


def check(form: Mapping[str, str], files: Mapping[str, FileStorage],
          read: list[Statement]) -> tuple[Optional[Evidence], dict[str, list[str]]]:
    """The evidence posted, or the messages by field (consent_method, consent_reference,
    consent_document: the enrollment service's names; ack_<code>) saying what is missing."""
    errors: dict[str, list[str]] = {}
    method = form.get("consent_method", "")
    reference = " ".join((form.get("consent_reference") or "").split())
    contract: Optional[bytes] = None
    if method not in METHODS:
        errors["consent_method"] = ["Choose how the customer consented: on the phone or by a signed contract."]
    elif method == PHONE:
        if not reference:
            errors["consent_reference"] = ["Enter the reference of the recorded call or of the third-party "
                                           "verification (TPV)."]
        elif len(reference) > REFERENCE_MAX or not _REFERENCE.fullmatch(reference):
            errors["consent_reference"] = [f"Enter the reference as it is given, up to {REFERENCE_MAX} letters, "
                                           "digits and . _ : / # - characters."]
    else:
        contract, problem = _read_contract(files.get("consent_document"))
        if problem:
            errors["consent_document"] = [problem]
    for number, statement in enumerate(read, 1):
        if form.get(statement.field) != "yes":
            errors[statement.field] = [f"Read statement {number} to the customer, and tick it once they agree."]
    if errors:
        return None, errors
    return Evidence(method, reference if method == PHONE else None, contract), {}


def _read_contract(upload: Optional[FileStorage]) -> tuple[Optional[bytes], Optional[str]]:
    """The uploaded contract's bytes when it is a PDF within the size limit, or why not."""
    if upload is None or not upload.filename:
        return None, "Choose the PDF of the contract the customer signed."
    limit = current_app.config["SIGNED_CONTRACT_BYTES"]
    content = upload.stream.read(limit + 1)
    if not content:
        return None, "The file is empty. Choose the PDF of the signed contract."
    if len(content) > limit:
        return None, (f"The file is larger than {limit / 1024 / 1024:.0f} MB. Scan the contract again at a "
                      "lower resolution, as a PDF.")
    if not content.startswith(PDF_MAGIC):
        return None, "The file is not a PDF. Save or scan the signed contract as a PDF and upload that."
    return content, None


def _folder() -> Path:
    configured = current_app.config.get("SIGNED_CONTRACT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "signed-contracts"


def store(content: bytes) -> str:
    """Keep a signed contract (readable by this user only); answer its stored name."""
    folder = _folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.pdf"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return name


def discard(name: Optional[str]) -> None:
    """Remove a contract stored for an enrollment that was not made (refused, or made before)."""
    if name and _STORED_NAME.fullmatch(name):
        (_folder() / name).unlink(missing_ok=True)


def path_of(name: str) -> Optional[Path]:
    """Where the stored contract `name` is kept, if it is one of ours and still there."""
    if not _STORED_NAME.fullmatch(name or ""):
        return None
    path = _folder() / name
    return path if path.is_file() else None
