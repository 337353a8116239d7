"""Each organisation's own view of a shared flag (issue 14).

A flag raised from shared facts (a revoked permit, a failed register check) is one row that
every organisation sees; whether it is acknowledged, assigned, snoozed, resolved or dismissed is
each organisation's own judgement, kept in a ``FlagHandling`` row per (flag, organisation).
An organisation's own flags (its contracts, its reviews, its manual checks) keep their handling
in the flag row itself, as before. Code acting for the whole installation (a job, the command
line, a test) reads and writes the flag row.

What an organisation sees (``FlagView``), for a shared flag with its handling ``h``:
its own closing (resolved, dismissed) first; then the rule's resolving (the condition cleared:
resolved for everybody); then its acknowledgement; else the flag row's status (open).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagStatus
from vendor_registry.flags.models import CLOSED_STATUSES, Flag, FlagHandling
from vendor_registry.organisations.tenancy import current_organisation_id


@dataclass(frozen=True)
class FlagView:
    status: FlagStatus
    acknowledged_at: datetime | None
    acknowledged_by: Any
    ack_comment: str | None
    snoozed_until: date | None
    assignee_id: int | None
    assignee: Any
    resolved_at: datetime | None
    resolved_by_label: str | None
    resolution_note: str | None
    #: The version an edit form carries: the flag row's, plus the organisation's handling's for a
    #: shared flag it has acted on (both only grow, so any change by the rules or by a colleague
    #: makes a form stale, as a change of the row did before).
    version: int
    #: True where the organisation's handling row applies (a shared flag, in an organisation).
    handled_apart: bool


def handled_apart(flag: Flag) -> bool:
    """Whether a person's action on ``flag`` goes to their organisation's handling row."""
    return flag.organisation_id is None and current_organisation_id() is not None


def _loaded_handling(flag: Flag) -> FlagHandling | None:
    handling = flag.__dict__.get("acting_handling")
    if handling is None and "acting_handling" not in flag.__dict__:
        handling = flag.acting_handling
    return handling


def effective_status(row_status: FlagStatus, handling_status: FlagStatus | None) -> FlagStatus:
    if handling_status in CLOSED_STATUSES:
        return handling_status
    if row_status not in LIVE_FLAG_STATUSES or handling_status is None:
        return row_status
    return handling_status


def flag_view(flag: Flag) -> FlagView:
    apart = handled_apart(flag)
    h = _loaded_handling(flag) if apart else None
    if h is None:
        return FlagView(flag.status, flag.acknowledged_at, flag.acknowledged_by, flag.ack_comment,
                        flag.snoozed_until, flag.assignee_id, flag.assignee, flag.resolved_at,
                        flag.resolved_by_label, flag.resolution_note, flag.version, apart)
    closer = h if h.status in CLOSED_STATUSES else flag
    return FlagView(effective_status(flag.status, h.status), h.acknowledged_at, h.acknowledged_by, h.ack_comment,
                    h.snoozed_until, h.assignee_id, h.assignee, closer.resolved_at, closer.resolved_by_label,
                    closer.resolution_note, flag.version + h.version, True)


def latest_change(flag: Flag) -> Any:
    """The newest audit event of the flag or of the acting organisation's handling of it: what
    a stale edit of a shared flag missed (``services._check_open``)."""
    from vendor_registry.audit.models import events_for_entity

    handling = _loaded_handling(flag) if handled_apart(flag) else None
    events = [e for e in events_for_entity(Flag.__tablename__, flag.id, limit=1)]
    if handling is not None:
        events += events_for_entity(FlagHandling.__tablename__, handling.id, limit=1)
    return max(events, key=lambda e: (e.occurred_at, e.id), default=None)


def history_of(flag: Flag) -> list[Any]:
    """The flag's trail as the acting organisation reads it, newest first: the flag's events and
    those of its own handling of a shared flag, the latter told as changes of the flag (an
    organisation's first action on a shared flag is an update of its view, from open)."""
    from sqlalchemy.orm import make_transient

    from vendor_registry.audit.models import events_for_entity

    events = list(events_for_entity(Flag.__tablename__, flag.id, limit=500))
    handling = _loaded_handling(flag) if handled_apart(flag) else None
    if handling is not None:
        for event in events_for_entity(FlagHandling.__tablename__, handling.id, limit=500):
            object_session(event).expunge(event)
            make_transient(event)
            changes = {key: value for key, value in event.changes.items()
                       if key not in ("id", "flag_id", "organisation_id", "version")}
            if event.action == "insert" and "status" in changes:
                changes["status"] = [FlagStatus.OPEN.value, changes["status"][1]]
            event.changes = changes
            event.action = "update" if event.action == "insert" else event.action
            events.append(event)
    events.sort(key=lambda e: (e.occurred_at, e.id), reverse=True)
    return events[:500]


def handling_target(flag: Flag, session: Session | None = None) -> Flag | FlagHandling:
    """Where a person's action on ``flag`` is written: the acting organisation's handling of a
    shared flag (made, open, on the first action), else the flag row. Both have the same
    handling columns (status, acknowledged_*, ack_comment, snoozed_until, assignee_id, resolved_*,
    resolution_note), so the services write either alike."""
    if not handled_apart(flag):
        return flag
    handling = _loaded_handling(flag)
    if handling is None:
        session = session or object_session(flag)
        handling = FlagHandling(flag_id=flag.id, organisation_id=current_organisation_id(), status=FlagStatus.OPEN)
        session.add(handling)
        set_committed_value(flag, "acting_handling", handling)
    return handling


def apply_handlings(session: Session, flags: list[Flag], values: dict[str, Any]) -> None:
    """The bulk path (``flags.bulk``) for shared flags: the acting organisation's handlings that
    exist are changed with one UPDATE, the missing ones made with one INSERT; both audited in
    bulk. The loaded flags are brought up to date (their ``acting_handling``) without reloading."""
    if not flags:
        return
    from vendor_registry.audit.context import current_actor
    from vendor_registry.audit.listener import insert_audited
    from vendor_registry.database import utcnow
    from vendor_registry.flags.reconcile import record_flag_events

    organisation_id = current_organisation_id()
    existing = [flag for flag in flags if _loaded_handling(flag) is not None]
    missing = [flag for flag in flags if _loaded_handling(flag) is None]
    table = FlagHandling.__table__
    if existing:
        handlings = [_loaded_handling(flag) for flag in existing]
        session.execute(update(table).where(table.c.id.in_([h.id for h in handlings]))
                        .values(**values, version=table.c.version + 1))
        events = []
        for flag, handling in zip(existing, handlings, strict=True):
            changes = {key: [getattr(handling, key), value] for key, value in values.items()
                       if _plain(getattr(handling, key)) != _plain(value)}
            if changes:
                events.append(("update", handling.id, flag.provider_id, changes, organisation_id))
            for key, value in values.items():
                set_committed_value(handling, key, value)
            set_committed_value(handling, "version", handling.version + 1)
        record_flag_events(session, current_actor(), utcnow(), events, entity_type=FlagHandling.__tablename__)
    if missing:
        rows = [{"flag_id": flag.id, "provider_id": flag.provider_id, "organisation_id": organisation_id,
                 "status": FlagStatus.OPEN, **values} for flag in missing]
        insert_audited(session, FlagHandling, [{k: v for k, v in row.items() if k != "provider_id"} for row in rows])
        made = {h.flag_id: h for h in session.scalars(
            select(FlagHandling).where(FlagHandling.flag_id.in_([flag.id for flag in missing]),
                                       FlagHandling.organisation_id == organisation_id))}
        for flag in missing:
            set_committed_value(flag, "acting_handling", made.get(flag.id))


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)
