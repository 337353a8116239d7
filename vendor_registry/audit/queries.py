"""Reads of the audit log shared by pages, the stale-edit message and the API."""
from __future__ import annotations

from sqlalchemy import select

from vendor_registry.audit.models import AuditEvent
from vendor_registry.extensions import db


def events_for_entity(entity_type: str, entity_id: int | str, limit: int | None = None) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def events_for_provider(provider_id: int, limit: int = 200) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.provider_id == provider_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
