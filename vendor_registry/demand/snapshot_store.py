"""Every provider's snapshots, kept between matches while nothing they hold can have changed.

Why: loading 20,000 snapshots is most of a match (issue 15), and a social worker tries one
need after another against the same registry. The facts change only with a committed write
(the data stamp, ``datastamp``, which sees the sweeps' Core bulk writes as well as forms and
the API) or with the clock ("checks current", a contract's dates): the key holds the stamp,
the organisation (approvals, prices and reviews are its own), the day and the minute, and the
facts the requirements read (a lean load leaves the others out).

The snapshots are frozen dataclasses, so matches in several threads can share them. A few sets
per process (``MATCH_SNAPSHOT_SETS``; 0 turns it off), least recently used out.
"""
from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import date

from cachetools import LRUCache
from flask import current_app
from sqlalchemy.orm import Session

from vendor_registry import datastamp
from vendor_registry.demand.snapshots import ProviderSnapshot, load_snapshots
from vendor_registry.organisations.tenancy import current_organisation_id

_EXTENSION = "vendor_registry.demand.snapshot_sets"


class _Sets:
    def __init__(self, size: int) -> None:
        self.kept: LRUCache = LRUCache(maxsize=size)
        self.lock = threading.Lock()
        self.hits = self.loads = 0


def _sets() -> _Sets | None:
    app = current_app._get_current_object()
    found = app.extensions.get(_EXTENSION)
    if found is None:
        size = int(app.config.get("MATCH_SNAPSHOT_SETS") or 0)
        found = app.extensions.setdefault(_EXTENSION, _Sets(size) if size > 0 else False)
    return found or None


def every_provider(session: Session, today: date, reads: Collection[str] | None) -> list[ProviderSnapshot]:
    """``load_snapshots`` of every provider, or the same list kept from an earlier match."""
    sets = _sets()
    moment = datastamp.moment(session) if sets is not None else None
    if moment is None:
        return load_snapshots(session, today, None, reads)
    key = (current_organisation_id(), *moment, today, None if reads is None else frozenset(reads))
    with sets.lock:
        kept = sets.kept.get(key)
    if kept is not None:
        sets.hits += 1
        return kept
    loaded = load_snapshots(session, today, None, reads)
    with sets.lock:
        sets.kept[key] = loaded
        sets.loads += 1
    return loaded


def forget() -> None:
    """Drop every kept set (tests, benchmarks)."""
    sets = _sets()
    if sets is not None:
        with sets.lock:
            sets.kept.clear()
