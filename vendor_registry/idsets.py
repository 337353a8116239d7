"""A set of provider ids as aggregate reads take it: a list of ids (a page: sent in chunks of
``CHUNK`` to stay under bind-parameter limits) or a SELECT of provider ids (an export of
everything a filter matches: one ``IN (subquery)``, so the statement count does not depend on
how many providers match). For a SELECT, the result mapping gives the default answer for ids
it has no rows for.

Shared by every feature's per-provider reads (checks, flags, licences), which each answer for
the whole set with one or two statements whatever its size.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import Integer, Select, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

CHUNK = 900

ProviderIds = Iterable[int] | Select


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start:start + CHUNK]


def in_set(column, provider_ids: ProviderIds) -> Iterator:
    """WHERE conditions covering the set: one for a SELECT, one per chunk for a list."""
    if isinstance(provider_ids, Select):
        yield column.in_(provider_ids)
        return
    for chunk in chunks(provider_ids):
        yield column.in_(chunk)


def result_map(provider_ids: ProviderIds, default: Callable[[], object]) -> dict:
    """Every listed id with its default; for a SELECT, a mapping that defaults on lookup."""
    if isinstance(provider_ids, Select):
        return defaultdict(default)
    return {provider_id: default() for provider_id in provider_ids}


def materialise(provider_ids: ProviderIds) -> list[int] | Select:
    """A SELECT as it is, any other iterable as a list (so it can be read more than once)."""
    return provider_ids if isinstance(provider_ids, Select) else list(provider_ids)


def among(column: Any, ids: Collection[int], dialect_name: str) -> Any:
    """``column IN ids`` for a set of any size the caller scopes a whole statement by (the flag
    refresh after a bulk write). On PostgreSQL it is ``column = ANY(one array parameter)``: an
    ``IN`` list binds one parameter per id, and psycopg re-parses the statement text for every
    new length (a refresh of 20,000 providers spent seconds there). Elsewhere a plain ``IN``:
    the caller keeps the list under SQLite's limit of 32,766 parameters."""
    ordered = sorted(ids)
    if dialect_name == "postgresql":
        return column == any_(bindparam(None, ordered, type_=ARRAY(Integer)))
    return column.in_(ordered)
