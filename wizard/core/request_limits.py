"""How large a request may be: small everywhere, larger only on the pages that take a file.

Every form of the wizard and the admin is a few kilobytes, so a request body is refused (413)
past MAX_CONTENT_LENGTH, and a form field past MAX_FORM_MEMORY_SIZE, before anything reads it.
A view marked with `accepts_upload` (the admin's ZIP map and plan document uploads) may
receive up to MAX_UPLOAD_BYTES instead; `accepts_upload(limit="PREMISE_UPLOAD_BYTES")` names
another setting (the premise extract upload).
"""
from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

from flask import Request, current_app

V = TypeVar("V", bound=Callable[..., object])


def accepts_upload(view: Optional[V] = None, *, limit: str = "MAX_UPLOAD_BYTES") -> Any:
    """Mark `view` as an upload page: its requests may be as long as the setting `limit` says."""
    def mark(marked: V) -> V:
        marked.accepts_upload = limit  # type: ignore[attr-defined]
        return marked
    return mark(view) if view is not None else mark


class SizedRequest(Request):
    """A request whose size limit depends on the view it is routed to."""

    @Request.max_content_length.getter
    def max_content_length(self) -> Optional[int]:
        """The upload page's limit (MAX_UPLOAD_BYTES or its own), MAX_CONTENT_LENGTH everywhere else."""
        if self._max_content_length is None and current_app and self.endpoint:
            view = current_app.view_functions.get(self.endpoint)
            limit = getattr(view, "accepts_upload", None)
            if limit:
                return current_app.config[limit]
        return Request.max_content_length.fget(self)  # type: ignore[attr-defined]
