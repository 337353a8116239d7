"""The audit log: one row per insert, update or delete of a domain record."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from vendor_registry.database import utcnow
from vendor_registry.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))  # user | job | api | system
    actor_user_id: Mapped[int | None]  # no FK: the log outlives the account
    actor_label: Mapped[str] = mapped_column(String(254))
    # The acting person's organisation (empty for a job or the command line): no FK, as above.
    actor_organisation_id: Mapped[int | None]
    # The changed record's organisation; empty for a shared record (a provider, a licence, an
    # automatic check), whose events every organisation's auditors read.
    organisation_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(10))  # insert | update | delete
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[int | None] = mapped_column(index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))


def events_for_entity(entity_type: str, entity_id: int | str, limit: int | None = None) -> list[AuditEvent]:
    """One record's trail, newest first: kept beside the model because optimistic locking
    (``concurrency``, a shared module) reads it to say what a stale edit missed."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))
