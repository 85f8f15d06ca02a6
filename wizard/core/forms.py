"""The base of every form in the product: text input is cleaned of control characters first.

WTForms' own messages (a choice not offered, a date it cannot read) follow the page's language:
Flask-WTF takes them from WTForms' catalog in the locale Flask-Babel chose (WTF_I18N_ENABLED), so a
Spanish page says "Opción inválida." and staff pages stay English. The product's messages are its
own, in its catalog, wherever a customer can meet them.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def no_control_characters(value: Any) -> Any:
    """Drop NUL and other control characters: never meaningful, and PostgreSQL refuses NUL."""
    return value.translate(_CONTROL) if isinstance(value, str) else value


class SafeForm(FlaskForm):
    """Every form of the product: text input is cleaned of control characters first."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            # A new list for each bound field: the unbound field is the form class's, shared by every
            # request (changing its kwargs added one more filter to every field on every request).
            filters = [no_control_characters, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)


def options(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """Radio choices from (value, label) pairs; a label may be a lazy translation (`_l`)."""
    return [SelectChoice(value, label) for value, label in pairs]
