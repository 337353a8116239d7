"""Apply a rule's current findings to the Flag table with a fixed number of bulk statements.

The rule says what holds *now*; this module makes the table agree: raise what is new, refresh
what is still there (a rising severity escalates and re-opens an acknowledged flag; a passed
snooze re-opens it), resolve what has cleared. Dismissed flags stay dismissed while their
condition holds and get ``cleared_at`` when it clears, which frees the slot so the condition can
be raised anew later.

Why Core statements: one statement per kind of change keeps a sweep's cost independent of the
number of providers, and ``INSERT ... ON CONFLICT DO NOTHING`` against the partial unique index
``uq_flags_live_subject`` makes concurrent or repeated sweeps converge on one live flag per
condition and organisation (shared flags: none). The organisations' own handling of a shared
flag that still holds follows the same rules as a flag row (``handling_sweep``). Core statements bypass the ORM audit listener, so ``record_flag_events`` writes the
audit events for every change in one bulk insert, with the job as actor.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    String,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vendor_registry.audit.context import Actor
from vendor_registry.audit.models import AuditEvent
from vendor_registry.bulkwrite import copy_rows, executemany_rows
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagRule, FlagSeverity, FlagStatus
from vendor_registry.flags.handling_sweep import reopen_handlings
from vendor_registry.flags.models import (
    Flag,
    FlagRuleState,
    live_flag_clause,
    seen_after_sweep,
)
from vendor_registry.flags.rules import Finding
from vendor_registry.idsets import among
from vendor_registry.organisations.tenancy import current_organisation_id

FLAGS = Flag.__table__
RESOLVED_NOTE = _l("Villkoret gäller inte längre")


@dataclass
class ReconcileCounts:
    raised: int = 0
    refreshed: int = 0
    escalated: int = 0
    reopened: int = 0
    resolved: int = 0
    cleared_dismissed: int = 0

    def add(self, other: ReconcileCounts) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def dialect_insert(session: Session, table: Any):
    """``INSERT`` with ``ON CONFLICT`` support on both dialects the app runs on."""
    name = session.get_bind().dialect.name
    module = postgresql if name == "postgresql" else sqlite
    return module.insert(table)


def first_run_rules(session: Session, rules: list[FlagRule]) -> set[FlagRule]:
    """The rules among ``rules`` that have never run (one query)."""
    seen = set(session.scalars(select(FlagRuleState.rule).where(FlagRuleState.rule.in_(rules))))
    return set(rules) - seen


def mark_rules_run(session: Session, rules: set[FlagRule], now: datetime) -> None:
    if rules:
        session.execute(
            dialect_insert(session, FlagRuleState.__table__).on_conflict_do_nothing(),
            [{"rule": rule, "first_run_at": now} for rule in sorted(rules)],
        )


def _plain(value: Any) -> Any:
    # Plain strings and None first: most of a sweep's million values are one or the other.
    if value is None or type(value) is str:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return getattr(value, "value", value)


def _actor_organisation(actor: Actor) -> int | None:
    """The acting person's organisation, as the ORM listener records it (None: a job)."""
    return (getattr(actor.user, "organisation_id", None) if actor.user is not None
            else current_organisation_id())


def record_flag_events(session: Session, actor: Actor, now: datetime, events: list[tuple],
                       entity_type: str = Flag.__tablename__) -> None:
    """Write audit events ``(action, flag_id, provider_id, {field: [before, after]}[, organisation
    id])`` in one bulk insert: the one place that replaces the ORM listener for bulk flag
    changes. The organisation is the changed record's (None: a shared flag); the actor's is the
    acting person's, as the listener records it."""
    if not events:
        return
    plain = _plain
    actor_organisation = _actor_organisation(actor)
    copy_rows(
        session, AuditEvent.__table__, ("action", "entity_id", "provider_id", "changes", "organisation_id"),
        [(event[0], str(event[1]), event[2], {k: [plain(b), plain(a)] for k, (b, a) in event[3].items()},
          event[4] if len(event) > 4 else None)
         for event in events],
        {"occurred_at": now, "actor_kind": actor.kind, "actor_user_id": actor.user_id, "actor_label": actor.label,
         "entity_type": entity_type, "note": None, "actor_organisation_id": actor_organisation},
    )


def record_raised_events(session: Session, actor: Actor, now: datetime, rule: FlagRule, scope: Any) -> int:
    """The audit events of the flags of ``rule`` this sweep has just raised (``raised_at`` is
    the sweep's ``now``), written by the database from the rows themselves in one INSERT …
    SELECT; returns how many. The same events ``record_flag_events`` would write: reading
    100,000 new flags back and sending their events one by one was a second of a first check
    sweep on SQLite (issue 15)."""
    columns = AuditEvent.__table__.c
    if session.get_bind().dialect.name == "postgresql":
        build_object, build_array = func.json_build_object, func.json_build_array
    else:
        build_object, build_array = func.json_object, func.json_array
    changes = build_object(*(
        part for name, column in (("rule", FLAGS.c.rule), ("subject_key", FLAGS.c.subject_key),
                                  ("severity", FLAGS.c.severity), ("status", FLAGS.c.status),
                                  ("message", FLAGS.c.message), ("organisation_id", FLAGS.c.organisation_id))
        for part in (literal(name, String), build_array(null(), column))))
    actor_organisation = _actor_organisation(actor)
    constants = {"occurred_at": now, "actor_kind": actor.kind, "actor_user_id": actor.user_id,
                 "actor_label": actor.label, "actor_organisation_id": actor_organisation,
                 "action": "insert", "entity_type": Flag.__tablename__, "note": None}
    selected = {name: literal(value, columns[name].type) for name, value in constants.items()}
    selected |= {"organisation_id": FLAGS.c.organisation_id, "entity_id": cast(FLAGS.c.id, String),
                 "provider_id": FLAGS.c.provider_id, "changes": changes}
    return session.execute(
        insert(AuditEvent.__table__).from_select(
            list(selected),
            select(*selected.values()).where(FLAGS.c.rule == rule, FLAGS.c.raised_at == now, scope))
        # An INSERT's row count is kept only when asked for (SQLAlchemy closes its cursor).
        .execution_options(preserve_rowcount=True)
    ).rowcount


class LiveFlag(NamedTuple):
    id: int
    provider_id: int
    organisation_id: int | None
    subject_key: str
    severity: FlagSeverity
    status: FlagStatus
    snoozed_until: date | None
    message: str
    details: Any
    version: int
    escalated_at: datetime | None
    announced: bool


def _live_flags(session: Session, rule: FlagRule, scope: Any) -> list[LiveFlag]:
    """The rule's live flags in ``scope``, as plain values: a nightly sweep reads every one
    (100,000 check flags at national scale), and the column types' per-value conversions (the
    JSON details, the enums) were a fifth of the check sweep on SQLite (issue 15). The details
    come as text (SQLite) or already parsed (psycopg), and are parsed here alike."""
    severities, statuses = FlagSeverity._value2member_map_, FlagStatus._value2member_map_
    rows = session.execute(
        select(Flag.id, Flag.provider_id, Flag.organisation_id, Flag.subject_key,
               type_coerce(Flag.severity, String), type_coerce(Flag.status, String),
               Flag.snoozed_until, Flag.message, type_coerce(Flag.details, Text), Flag.version,
               Flag.escalated_at, Flag.announced)
        .where(Flag.rule == rule, live_flag_clause(), scope)
    ).all()
    loads = json.loads
    return [
        LiveFlag(flag_id, provider_id, organisation_id, subject_key, severities[severity], statuses[status],
                 snoozed_until, message, loads(details) if type(details) is str else details, version,
                 escalated_at, announced)
        for (flag_id, provider_id, organisation_id, subject_key, severity, status, snoozed_until, message,
             details, version, escalated_at, announced) in rows
    ]


def reconcile(session: Session, rule: FlagRule, findings: list[Finding], *, now: datetime, today: date,
              actor: Actor, first_run: bool = False,
              provider_ids: frozenset[int] | None = None) -> ReconcileCounts:
    """Make the live flags of ``rule`` equal to ``findings``. Flushes nothing through the ORM;
    the caller commits. ``first_run`` raises new flags as already announced.

    With ``provider_ids`` the findings speak only for those providers (the rule ran scoped), so
    only their flags are compared, refreshed or resolved: another provider's flag must never be
    resolved because a scoped run did not look at it."""
    counts = ReconcileCounts()
    scope = true() if provider_ids is None else among(Flag.provider_id, provider_ids, session.get_bind().dialect.name)
    wanted: dict[tuple[int, int, str], Finding] = {}
    for finding in findings:
        if provider_ids is not None and finding.provider_id not in provider_ids:
            continue
        current = wanted.get(finding.key)
        if current is None or finding.severity.rank > current.severity.rank:
            wanted[finding.key] = finding

    live = _live_flags(session, rule, scope)
    live_by_key = {(row.organisation_id or 0, row.provider_id, row.subject_key): row for row in live}
    events: list[tuple[str, int, int, dict]] = []

    # Resolve what has cleared: active flags are resolved, dismissed ones only lose their slot.
    cleared = [row for key, row in live_by_key.items() if key not in wanted]
    active_ids = [row.id for row in cleared if row.status in LIVE_FLAG_STATUSES]
    dismissed_ids = [row.id for row in cleared if row.status == FlagStatus.DISMISSED]
    by_id = {row.id: row for row in cleared}
    if active_ids:
        note = str(RESOLVED_NOTE)
        done = session.execute(
            update(Flag).where(Flag.id.in_(active_ids), Flag.status.in_(LIVE_FLAG_STATUSES))
            .values(status=FlagStatus.RESOLVED, resolved_at=now, resolved_by_label=actor.label,
                    resolution_note=note, cleared_at=now, version=Flag.version + 1,
                    last_seen_at=seen_after_sweep(rule))
            .returning(Flag.id)
            .execution_options(synchronize_session=False)
        ).scalars().all()
        counts.resolved = len(done)
        events += [("update", fid, by_id[fid].provider_id,
                    {"status": (by_id[fid].status, FlagStatus.RESOLVED), "resolution_note": (None, note),
                     "resolved_by_label": (None, actor.label), "cleared_at": (None, now)},
                    by_id[fid].organisation_id) for fid in done]
    if dismissed_ids:
        done = session.execute(
            update(Flag).where(Flag.id.in_(dismissed_ids), Flag.status == FlagStatus.DISMISSED,
                               Flag.cleared_at.is_(None))
            .values(cleared_at=now, version=Flag.version + 1, last_seen_at=seen_after_sweep(rule))
            .returning(Flag.id)
            .execution_options(synchronize_session=False)
        ).scalars().all()
        counts.cleared_dismissed = len(done)
        events += [("update", fid, by_id[fid].provider_id, {"cleared_at": (None, now)}, by_id[fid].organisation_id)
                   for fid in done]

    # Refresh what is still there; severity, wording, snooze and escalation change the row.
    changed_rows = []
    escalated_ids: set[int] = set()
    for key, row in live_by_key.items():
        finding = wanted.get(key)
        if finding is None:
            continue
        counts.refreshed += 1
        changes: dict[str, tuple[Any, Any]] = {}
        status = row.status
        escalated = finding.severity.rank > row.severity.rank
        if escalated:
            counts.escalated += 1
            escalated_ids.add(row.id)
        reopen = row.status == FlagStatus.ACKNOWLEDGED and (
            escalated or (row.snoozed_until is not None and row.snoozed_until < today))
        if reopen:
            status = FlagStatus.OPEN
            counts.reopened += 1
            changes["status"] = (row.status, status)
            if row.snoozed_until is not None:
                changes["snoozed_until"] = (row.snoozed_until, None)
        if finding.severity != row.severity:
            changes["severity"] = (row.severity, finding.severity)
        if escalated:
            changes["escalated_at"] = (None, now)
        if finding.message != row.message:
            changes["message"] = (row.message, finding.message)
        if (finding.details or None) != (row.details or None):
            changes["details"] = (row.details, finding.details)
        if not changes:
            continue
        changed_rows.append({
            "b_id": row.id, "b_version": row.version, "b_severity": finding.severity, "b_status": status,
            "b_message": finding.message, "b_details": finding.details or None,
            "b_snoozed_until": None if reopen else row.snoozed_until,
            "b_escalated_at": now if escalated else row.escalated_at,
            "b_announced": False if escalated else row.announced,
        })
        events.append(("update", row.id, row.provider_id, changes, row.organisation_id))
    if changed_rows:
        session.execute(
            update(FLAGS).where(FLAGS.c.id == bindparam("b_id"), FLAGS.c.version == bindparam("b_version"))
            .values(severity=bindparam("b_severity"), status=bindparam("b_status"),
                    message=bindparam("b_message"), details=bindparam("b_details"),
                    snoozed_until=bindparam("b_snoozed_until"), escalated_at=bindparam("b_escalated_at"),
                    announced=bindparam("b_announced"), version=FLAGS.c.version + 1),
            changed_rows,
        )

    # Raise what is new; a concurrent sweep that got there first wins the unique slot.
    # Sorted, so concurrent sweeps take the index's row locks in the same order (no deadlock).
    new = [wanted[key] for key in sorted(wanted) if key not in live_by_key]
    if new:
        executemany_rows(
            session, dialect_insert(session, FLAGS).on_conflict_do_nothing(),
            ("provider_id", "organisation_id", "subject_key", "severity", "message", "details"),
            [(f.provider_id, f.organisation_id, f.subject_key, f.severity, f.message, f.details or None)
             for f in new],
            {"rule": rule, "status": FlagStatus.OPEN, "raised_at": now, "last_seen_at": now,
             "announced": first_run, "version": 1},
        )
        counts.raised = record_raised_events(session, actor, now, rule, scope)

    if provider_ids is None:
        # Seen by this sweep: every flag of the rule still live (one row; see FlagRuleState).
        session.execute(
            dialect_insert(session, FlagRuleState.__table__)
            .values(rule=rule, first_run_at=now, last_swept_at=now)
            .on_conflict_do_update(index_elements=["rule"], set_={"last_swept_at": now})
        )
    elif live_by_key.keys() & wanted.keys():
        session.execute(
            update(Flag).where(Flag.rule == rule, live_flag_clause(), scope, Flag.last_seen_at < now)
            .values(last_seen_at=now).execution_options(synchronize_session=False)
        )
    record_flag_events(session, actor, now, events)
    if any(row.organisation_id is None for key, row in live_by_key.items() if key in wanted):
        counts.reopened += reopen_handlings(session, rule, scope, escalated_ids, now=now, today=today, actor=actor)
    return counts


