"""The sweeps' side of the organisations' handling of shared flags (``flags.handling``).

While a shared flag's condition holds, each organisation's handling of it follows the rules a
flag row follows: a rising severity or a passed snooze date re-opens an acknowledgement, and an
organisation that marked it resolved although the condition still holds sees it open again
(for an own flag, the sweep would raise a new one). A condition that clears resolves the flag
row, and with it every organisation's view (``handling.effective_status``): nothing to write
here. One SELECT and at most one UPDATE per rule, audited in one INSERT.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vendor_registry.audit.context import Actor
from vendor_registry.codes import FlagRule, FlagStatus
from vendor_registry.flags.models import Flag, FlagHandling

HANDLINGS = FlagHandling.__table__


def reopen_handlings(session: Session, rule: FlagRule, scope: Any, escalated_ids: set[int], *,
                     now: datetime, today: date, actor: Actor) -> int:
    """Re-open the handlings of ``rule``'s live shared flags (within ``scope``, a condition on
    the flags) that were acknowledged before an escalation or past their snooze, or resolved
    while the condition held. Returns how many re-opened."""
    from vendor_registry.flags.reconcile import live_flag_clause, record_flag_events

    rows = session.execute(
        select(HANDLINGS.c.id, HANDLINGS.c.flag_id, HANDLINGS.c.organisation_id, HANDLINGS.c.status,
               HANDLINGS.c.snoozed_until, HANDLINGS.c.resolved_at, Flag.provider_id)
        .join(Flag, Flag.id == HANDLINGS.c.flag_id)
        .where(Flag.rule == rule, Flag.organisation_id.is_(None), live_flag_clause(), scope,
               HANDLINGS.c.status.in_((FlagStatus.ACKNOWLEDGED, FlagStatus.RESOLVED)))
        .execution_options(all_organisations=True)
    ).all()
    reopen = [row for row in rows
              if (row.status == FlagStatus.RESOLVED and row.resolved_at is not None and row.resolved_at < now)
              or (row.status == FlagStatus.ACKNOWLEDGED
                  and (row.flag_id in escalated_ids or (row.snoozed_until is not None and row.snoozed_until < today)))]
    if not reopen:
        return 0
    session.execute(
        update(HANDLINGS).where(HANDLINGS.c.id.in_([row.id for row in reopen]))
        .values(status=FlagStatus.OPEN, snoozed_until=None, version=HANDLINGS.c.version + 1))
    events = []
    for row in reopen:
        changes: dict[str, tuple[Any, Any]] = {"status": (row.status, FlagStatus.OPEN)}
        if row.snoozed_until is not None:
            changes["snoozed_until"] = (row.snoozed_until, None)
        events.append(("update", row.id, row.provider_id, changes, row.organisation_id))
    record_flag_events(session, actor, now, events, entity_type=FlagHandling.__tablename__)
    return len(reopen)
