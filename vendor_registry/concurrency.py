"""Optimistic locking for edit forms and the API: refuse a stale edit, explain what changed.

Every edited table has a ``version`` counter that each UPDATE raises by one, and every UPDATE
writes one audit event; so the edits a user missed are the newest ``current - seen`` update
events of that record.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vendor_registry.audit.models import events_for_entity


@dataclass
class StaleRecordError(Exception):
    record: Any
    seen_version: int
    changed_by: str | None = None
    changed_at: datetime | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)


def check_version(record: Any, seen_version: int | str | None) -> None:
    """Raise :class:`StaleRecordError` when ``record`` moved on since ``seen_version``."""
    try:
        seen = int(seen_version) if seen_version not in (None, "") else None
    except (TypeError, ValueError):
        seen = None
    if seen is None:
        raise StaleRecordError(record, -1)
    if record.version == seen:
        return
    missed = max(record.version - seen, 1)
    updates = [e for e in events_for_entity(record.__tablename__, record.id, limit=missed * 3 + 5)
               if e.action == "update"][:missed]
    merged: dict[str, list[Any]] = {}
    for event in reversed(updates):  # oldest first: keep the first "before", the last "after"
        for key, (before, after) in event.changes.items():
            merged[key] = [merged[key][0] if key in merged else before, after]
    latest = updates[0] if updates else None
    raise StaleRecordError(
        record,
        seen,
        changed_by=latest.actor_label if latest else None,
        changed_at=latest.occurred_at if latest else None,
        changes=merged,
    )
