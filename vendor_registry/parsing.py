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


#: The largest integer the databases take in a comparison (SQLite's and PostgreSQL's bigint):
#: a bigger one raises OverflowError in the SQLite driver before any query runs.
MAX_DB_INT = 2**63 - 1
#: Ids are PostgreSQL ``integer`` columns: no record has a bigger one.
MAX_ID = 2**31 - 1
#: The last page a list may be asked for; beyond it a list is empty anyway (the API's bound too).
MAX_PAGE = 100_000


def bounded_int(raw: Any, default: int | None = None, *, low: int = 0, high: int = MAX_DB_INT) -> int | None:
    """Whole number from a URL or form value within ``low..high``, else ``default``.

    Every integer read from a query string goes through here (or ``record_id``/``page_number``):
    ``int()`` takes any number of digits, and one beyond what the database stores is a 500.
    Only ASCII digits with an optional sign are read (``int()`` also takes "١٢" and "1_0").
    """
    if raw is None or isinstance(raw, bool):
        return default
    if isinstance(raw, int):
        return raw if low <= raw <= high else default
    text = str(raw).strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or len(digits) > 20 or not digits.isascii() or not digits.isdigit():
        return default
    value = int(text)
    return value if low <= value <= high else default


def record_id(raw: Any) -> int | None:
    """A record id from a URL (``?profile=12``): a positive id a record can have, else None."""
    return bounded_int(raw, None, low=1, high=MAX_ID)


def record_ids(values: Any) -> list[int]:
    """The valid ids among a list of values (``?provider=1&provider=2``), in order, once each."""
    ids = (record_id(v) for v in values or [])
    return list(dict.fromkeys(i for i in ids if i is not None))


def page_number(raw: Any) -> int:
    """``?page=``: 1 when missing, malformed or below 1; at most MAX_PAGE."""
    value = bounded_int(raw, 1, low=-MAX_DB_INT, high=MAX_DB_INT)
    return min(max(value or 1, 1), MAX_PAGE)
