"""How large a request may be: small everywhere, larger only on the pages that take a file.

Every form of the wizard and the admin is a few kilobytes, so a request body is refused (413)
past MAX_CONTENT_LENGTH, and a form field past MAX_FORM_MEMORY_SIZE, before anything reads it.
A view marked with `accepts_upload` (the admin's ZIP map and plan document uploads) may
receive up to MAX_UPLOAD_BYTES instead.
"""
from __future__ import annotations

from typing import Callable, Optional, TypeVar

from flask import Request, current_app

V = TypeVar("V", bound=Callable[..., object])


def accepts_upload(view: V) -> V:
    """Mark `view` as an upload page: its requests may be MAX_UPLOAD_BYTES long."""
    view.accepts_upload = True  # type: ignore[attr-defined]
    return view


class SizedRequest(Request):
    """A request whose size limit depends on the view it is routed to."""

    @Request.max_content_length.getter
    def max_content_length(self) -> Optional[int]:
        """MAX_UPLOAD_BYTES on upload pages, MAX_CONTENT_LENGTH everywhere else."""
        if self._max_content_length is None and current_app and self.endpoint:
            view = current_app.view_functions.get(self.endpoint)
            if getattr(view, "accepts_upload", False):
                return current_app.config["MAX_UPLOAD_BYTES"]
        return Request.max_content_length.fget(self)  # type: ignore[attr-defined]
