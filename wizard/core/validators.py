"""Field rules of the wizard, as plain functions that answer a message or a clean value.

Messages are in the language of the request (Flask-Babel's `gettext`; English outside a customer's
request: staff pages, the API, imports and plain function calls).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional, Sequence

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
# Imported at start-up on purpose: gunicorn preloads the app, so its ~13 MiB of word lists are
# shared by every worker instead of loaded privately by each.
from zxcvbn import zxcvbn

ZIP_RE = re.compile(r"[0-9]{5}")
USERNAME_RE = re.compile(r"[A-Za-z0-9._@+-]{3,64}")
PASSWORD_MIN = 12
PASSWORD_MAX = 256


def clean_zip(value: str) -> Optional[str]:
    """The ZIP as 5 ASCII digits, or None (no Unicode digits, no ZIP+4)."""
    value = value.strip()
    return value if ZIP_RE.fullmatch(value) else None


def clean_phone(value: str) -> Optional[str]:
    """A US phone number normalised to E.164 (+1NXXNXXXXXX), or None."""
    digits = re.sub(r"[\s().+-]", "", value)
    if not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return "+1" + digits


def format_phone(e164: str) -> str:
    """(214) 555-0100 for +12145550100."""
    d = e164[2:]
    return f"({d[:3]}) {d[3:6]}-{d[6:]}"


def esi_id_problem(esi_id: str, prefixes: Sequence[str], length: Optional[int],
                   utility_name: str) -> Optional[str]:
    """Why `esi_id` cannot belong to a premise of this utility, or None when it can."""
    if not esi_id.isascii() or not esi_id.isdigit() or len(esi_id) not in (17, 22):
        return _("Enter the ESI ID as 17 or 22 digits. It is printed on your electricity bill.")
    if not any(esi_id.startswith(p) for p in prefixes):
        return _("That ESI ID does not belong to %(utility)s: its ESI IDs start with %(prefixes)s. "
                 "Check the number, or go back and choose another utility.",
                 utility=utility_name, prefixes=either(prefixes))
    if length and len(esi_id) != length:
        return _("%(utility)s ESI IDs have %(length)s digits; this one has %(given)s.",
                 utility=utility_name, length=length, given=len(esi_id))
    return None


def either(items: Sequence[str]) -> str:
    """"a or b" in the request's language ("a o b"); English outside a request."""
    return format_list(list(items), style="or", locale=get_locale() or "en_US")


def clean_ssn(value: str) -> Optional[str]:
    """A Social Security number as 9 digits, or None for an impossible one."""
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"[0-9]{9}", digits):
        return None
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in {"000", "666"} or area.startswith("9") or group == "00" or serial == "0000":
        return None
    return digits


def clean_ein(value: str) -> Optional[str]:
    """An employer identification number as NN-NNNNNNN, or None."""
    digits = re.sub(r"[\s-]", "", value)
    return f"{digits[:2]}-{digits[2:]}" if re.fullmatch(r"[0-9]{9}", digits) else None


def age_on(birth: dt.date, today: dt.date) -> int:
    """Whole years between `birth` and `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def date_of_birth_problem(birth: dt.date, today: dt.date) -> Optional[str]:
    """Why `birth` is not an acceptable date of birth for an account holder, or None."""
    if birth > today:
        return _("Date of birth must be in the past.")
    age = age_on(birth, today)
    if age < 18:
        return _("You must be 18 or older to open an electricity account.")
    if age > 120:
        return _("Enter your real date of birth, for example 27 3 1980.")
    return None


def username_problem(username: str) -> Optional[str]:
    """Why `username` cannot be used (uniqueness is checked against the database elsewhere)."""
    if not USERNAME_RE.fullmatch(username):
        return _("Use 3 to 64 characters: letters, numbers and . _ @ + - (no spaces).")
    return None


def password_problem(password: str, username: str) -> Optional[str]:
    """Why `password` is not acceptable: length, equal to the username, or common/guessable."""
    if len(password) < PASSWORD_MIN:
        return _("Your password must be at least %(count)s characters.", count=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Your password must be %(count)s characters or fewer.", count=PASSWORD_MAX)
    if username and password.casefold() == username.casefold():
        return _("Your password must not be your username.")
    # zxcvbn knows the 30,000 most common passwords and the patterns they follow
    # (keyboard walks, repeats, years); score 0-1 means guessable within hours.
    result = zxcvbn(password[:72], user_inputs=[username] if username else [])  # its input limit
    if result["score"] < 2:
        reason = GUESSABLE.get(result["feedback"].get("warning") or "", TOO_EASY)
        return _("Choose a less common password. %(reason)s A few unrelated words make a strong password "
                 "that is easy to remember.", reason=reason)
    return None


#: zxcvbn's warnings as this product says them, in either language (the library speaks English only);
#: one it may add later reads as TOO_EASY rather than in English on a Spanish page.
TOO_EASY = _l("It is too easy to guess.")
GUESSABLE = {
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l("Repeats like “aaa” are easy to guess."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l("Repeats like “abcabcabc” are only slightly harder to guess than “abc”."),
    'Sequences like "abc" or "6543" are easy to guess.': _l("Sequences like “abc” or “6543” are easy to guess."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
}
