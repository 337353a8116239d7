"""One mechanism that cannot be forgotten: every flush writes audit events.

``after_flush`` still sees each instance's attribute history and, for new rows, their
primary keys; the events are inserted with a Core statement on the same connection, so they
commit or roll back with the change they describe.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, false, func, insert, inspect, select, update
from sqlalchemy.orm import Session

from vendor_registry.audit.context import current_actor
from vendor_registry.bulkwrite import insert_dicts
from vendor_registry.database import deleted_in_flush, utcnow
from vendor_registry.organisations.models import OwnedByOrganisation
from vendor_registry.organisations.tenancy import (
    current_organisation_id,
    organisation_for_writes,
)

#: Tables that are operational logs, not domain records (``data_stamps`` counts commits that
#: wrote, bumped on the raw connection: never through the ORM).
NOT_AUDITED = {"audit_events", "data_stamps", "job_runs", "notifications", "sign_ins"}
SKIPPED_FIELDS = {"version", "updated_at", "created_at"}
REDACTED = "***"


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _provider_id(obj: Any) -> int | None:
    if obj.__tablename__ == "providers":
        return obj.id
    return getattr(obj, "provider_id", None)


def _actor_organisation_id(actor: Any) -> int | None:
    """The acting person's organisation (None for a job or the command line acting for all)."""
    if actor.user is not None:
        return getattr(actor.user, "organisation_id", None)
    return current_organisation_id()


def _changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    redact = set(getattr(obj, "__audit_redact__", ()))
    skipped = SKIPPED_FIELDS | set(getattr(obj, "__audit_skip__", ()))
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in skipped:
            continue
        if action == "update":
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if _plain(before) == _plain(after):
                continue
        else:
            value = state.attrs[key].value
            if value is None or value == []:
                continue
            before, after = (None, value) if action == "insert" else (value, None)
        if key in redact:
            before = REDACTED if before is not None else None
            after = REDACTED if after is not None else None
        changes[key] = [_plain(before), _plain(after)]
    return changes


def insert_audited(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert plain ``rows`` of ``model`` in one ``INSERT ... RETURNING`` and write the audit
    events the listener would have written had they been added as ORM objects (same changes,
    same entity ids, same actor). Why: building, flushing and auditing one ORM object per row
    made generated data (the demo's 20,000 providers, ~300,000 rows) take minutes (issue 15).
    Nothing else may be pending for these rows: no after_flush sees them."""
    if not rows:
        return []
    table = model.__table__
    if issubclass(model, OwnedByOrganisation):  # as the before-flush stamp does for ORM rows
        organisation_id = organisation_for_writes()
        rows = [{"organisation_id": organisation_id, **row} for row in rows]
    if "version" in table.c:  # the ORM's version counter starts at 1
        rows = [{"version": 1, **row} for row in rows]
    ids = _insert_rows(session, model, rows)
    mapper = inspect(model)
    redact = set(getattr(model, "__audit_redact__", ()))
    skipped = SKIPPED_FIELDS | set(getattr(model, "__audit_skip__", ()))
    defaults = {attr.key: attr.columns[0].default.arg for attr in mapper.column_attrs
                if attr.columns[0].default is not None and attr.columns[0].default.is_scalar}
    keys = [attr.key for attr in mapper.column_attrs if attr.key not in skipped]
    actor, now = current_actor(), utcnow()
    actor_org = _actor_organisation_id(actor)
    events = []
    for row_id, row in zip(ids, rows, strict=True):
        changes: dict[str, list[Any]] = {}
        for key in keys:
            value = row.get("id", row_id) if key == "id" else row.get(key, defaults.get(key))
            if value is None or value == []:
                continue
            changes[key] = [None, REDACTED if key in redact else _plain(value)]
        events.append({"occurred_at": now, "actor_kind": actor.kind, "actor_user_id": actor.user_id,
                       "actor_label": actor.label, "action": "insert", "entity_type": table.name,
                       "entity_id": str(row_id),
                       "provider_id": row_id if table.name == "providers" else row.get("provider_id"),
                       "actor_organisation_id": actor_org, "organisation_id": row.get("organisation_id"),
                       "changes": changes})
    from vendor_registry.audit.models import AuditEvent

    insert_dicts(session, AuditEvent.__table__, events)
    return list(ids)


def _insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids, in the order of ``rows`` (ids ascend with it).

    The ids are given, not read back, and the rows go in groups of the same keys with a value
    (as the ORM does: it leaves a None out, except JSON's null), each group in one bulk write
    (``bulkwrite.copy_rows``: COPY where PostgreSQL allows it, else an executemany). Why: the ORM's bulk insert starts a new
    statement wherever a row's keys differ from the previous row's; on PostgreSQL it then
    splices each group's RETURNING rows onto all earlier ones, and psycopg parses every
    1,000-row VALUES text anew. The demo's mixed rows made that 91,000 statements and 38
    million row copies (PostgreSQL demo data 130 s, issue 15)."""
    ids = _new_ids(session, model, len(rows))
    json_null = {column.key for column in model.__table__.c if column.type.should_evaluate_none}
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row, row_id in zip(rows, ids, strict=True):
        present = {key: value for key, value in row.items() if value is not None or key in json_null}
        groups.setdefault(frozenset(present), []).append({**present, "id": row_id})
    for group in groups.values():
        insert_dicts(session, model.__table__, group)
    return ids


def _new_ids(session: Session, model: Any, count: int) -> list[int]:
    """``count`` ids for new rows of ``model``, ascending, none of which anybody else can take."""
    if session.get_bind().dialect.name == "sqlite":
        # The write lock first (a write that changes nothing takes it, and it is held to the
        # commit); then the next ids are the table's largest plus one, as SQLite would pick
        # (INTEGER PRIMARY KEY without AUTOINCREMENT), and no other writer can come between.
        # On the table, not the class: the largest id of every organisation's rows.
        table = model.__table__
        session.execute(update(table).where(false()).values(id=table.c.id))
        start = session.scalar(select(func.max(table.c.id))) or 0
        return list(range(start + 1, start + 1 + count))
    sequence = session.scalar(select(func.pg_get_serial_sequence(model.__table__.name, "id")))
    # The name is looked up once: as an expression it would be evaluated for every row.
    return sorted(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))


def _event_rows(session: Session, flush_context: Any = None) -> list[dict[str, Any]]:
    actor = current_actor()
    actor_org = _actor_organisation_id(actor)
    now = utcnow()
    rows = []
    deleted = deleted_in_flush(session, flush_context)
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in NOT_AUDITED:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            identity = inspect(obj).identity or (getattr(obj, "id", None),)
            rows.append(
                {
                    "occurred_at": now,
                    "actor_kind": actor.kind,
                    "actor_user_id": actor.user_id,
                    "actor_label": actor.label,
                    "action": action,
                    "entity_type": table,
                    "entity_id": ",".join(str(part) for part in identity),
                    "provider_id": _provider_id(obj),
                    # The record's organisation (empty for a shared record) decides who may read
                    # the event; the actor's says who made it.
                    "organisation_id": getattr(obj, "organisation_id", None),
                    "actor_organisation_id": actor_org,
                    "changes": changes,
                }
            )
    return rows


def _after_flush(session: Session, flush_context: Any) -> None:
    rows = _event_rows(session, flush_context)
    if rows:
        from vendor_registry.audit.models import AuditEvent

        session.connection().execute(insert(AuditEvent.__table__), rows)


def _keep_old_value(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
    return value


def _ask_for_old_values() -> None:
    """Without this, setting an attribute of an object expired by an earlier commit records no
    "before" value: SQLAlchemy loads the old value on set only for attributes with active history."""
    from vendor_registry.database import Base

    for mapper in Base.registry.mappers:
        if mapper.local_table is None or mapper.local_table.name in NOT_AUDITED:
            continue
        for prop in mapper.column_attrs:
            attribute = getattr(mapper.class_, prop.key)
            if not event.contains(attribute, "set", _keep_old_value):
                event.listen(attribute, "set", _keep_old_value, active_history=True, retval=True)


def install() -> None:
    from vendor_registry.audit import visibility

    visibility.install()  # who reads which events: the same hook family as the organisation filter
    _ask_for_old_values()
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
