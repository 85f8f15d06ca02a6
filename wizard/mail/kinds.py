"""What each kind of message says: a builder per kind, run when the message is sent.

A feature registers its kinds in its own `mails.py` (imported by its views):

    @mail_kind("password_reset")
    def password_reset(context: dict, sent_at: datetime) -> Message:
        return Message(_("Reset your My Account password"), "mail/password_reset", context)

`template` names `<template>.txt` and `<template>.html` under wizard/templates/. A builder runs
inside `i18n.speaking(<the message's language>)` (wizard/mail/outbox.py): its `_()` texts and
dates (wizard/mail/formats.py) come out in the recipient's language.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable

Builder = Callable[[dict[str, Any], dt.datetime], "Message"]

#: kind -> builder
BUILDERS: dict[str, Builder] = {}


@dataclasses.dataclass(frozen=True)
class Message:
    """Subject, templates and the values they show."""

    subject: str
    template: str
    context: dict[str, Any] = dataclasses.field(default_factory=dict)


def mail_kind(kind: str) -> Callable[[Builder], Builder]:
    """Register the builder of `kind` (one per kind)."""

    def register(builder: Builder) -> Builder:
        if BUILDERS.get(kind, builder) is not builder:
            raise ValueError(f"mail kind {kind!r} is registered twice")
        BUILDERS[kind] = builder
        return builder

    return register
