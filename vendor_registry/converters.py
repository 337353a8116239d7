"""The ``<int:...>`` URL converter, bounded: a path id beyond what the database stores is a 404.

Werkzeug's converter accepts any number of digits; ``/providers/99999999999999999999`` then
reached the query, where SQLite raised OverflowError beyond 2**63-1 and PostgreSQL refused
anything beyond 2**31-1 (SQLAlchemy binds the parameter as ``::INTEGER``, the ids' column
type): a 500 either way. Every ``<int:>`` of the app is an id, so the bound is the largest id,
``parsing.MAX_ID``. ``create_app`` registers this converter as ``int`` before any blueprint, so
every route, also one added later, gets it; a smaller explicit ``max`` still applies.
"""
from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

from vendor_registry.parsing import MAX_ID

_smaller = min  # Werkzeug's parameter named ``min`` hides the builtin inside __init__


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        bound = MAX_ID if max is None else _smaller(max, MAX_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)
