"""Input typed the Swedish way, parsed once for the forms and the services that both read it
(a price arrives as "3 000,50" from a page and as a number or text from the API)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def parse_swedish_decimal(raw: Any) -> Decimal | None:
    """``"3 000,50"``, ``"3000.50"`` or ``"3 000"`` → Decimal; blank → None; else ValueError.

    Spaces (also non-breaking and narrow ones) group thousands; the decimal mark is a comma
    or a point. A value with both a comma and a point is ambiguous and refused.
    """
    if raw is None:
        return None
    if isinstance(raw, Decimal | int):
        return Decimal(raw)
    text = str(raw).strip()
    for space in (" ", "\u00a0", "\u202f", "\u2009"):
        text = text.replace(space, "")
    if not text:
        return None
    if "," in text and "." in text:
        raise ValueError(text)
    text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value
