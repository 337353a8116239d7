"""Swedish organisation numbers: 10 digits with a Luhn check digit, shown NNNNNN-NNNN."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

_SEPARATORS = re.compile(r"[\s\u00a0\-]")


class OrgNumberError(ValueError):
    """The message is user-facing (Swedish through the catalogue)."""


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalise_org_number(raw: str) -> str:
    """Accepts ``556016-0680``, ``5560160680`` or ``556016 0680``; returns the 10 digits."""
    digits = _SEPARATORS.sub("", raw or "")
    if not digits.isdigit() or len(digits) != 10:
        raise OrgNumberError(_l("Organisationsnumret ska bestå av 10 siffror, till exempel 556016-0680."))
    if not luhn_ok(digits):
        raise OrgNumberError(_l("Organisationsnumret har fel kontrollsiffra. Kontrollera numret."))
    return digits


def with_check_digit(nine_digits: str) -> str:
    """Completes nine digits with their Luhn check digit (used by the demo-data generator)."""
    for last in "0123456789":
        if luhn_ok(nine_digits + last):
            return nine_digits + last
    raise AssertionError("unreachable: one check digit always fits")
