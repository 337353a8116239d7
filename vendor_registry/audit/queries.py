"""Reads of the audit log shared by pages, the stale-edit message and the API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent, events_for_entity  # noqa: F401  (the public read API)
from vendor_registry.audit.visibility import reading_scope
from vendor_registry.extensions import db
from vendor_registry.text import printable

STOCKHOLM = clock.STOCKHOLM


def events_for_provider(provider_id: int, limit: int = 200) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.provider_id == provider_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


@dataclass
class AuditFilters:
    """The audit log page's filters; all optional, combined with AND."""

    entity_type: str = ""
    entity_id: str = ""
    actor: str = ""  # part of a person's name or e-mail, or of a job's name
    provider: str = ""  # part of a provider's name or organisation number
    provider_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> AuditFilters:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None  # an unreadable date filters nothing rather than failing

        action = args.get("action", "")
        provider_id = (args.get("provider_id") or "").strip()
        return cls(
            entity_type=_printable(args.get("entity_type") or "")[:100],
            entity_id=_printable(args.get("entity_id") or "")[:100],
            actor=_printable(args.get("actor") or "")[:200],
            provider=_printable(args.get("provider") or "")[:200],
            provider_id=int(provider_id) if provider_id.isdigit() and len(provider_id) < 10 else None,
            action=action if action in ACTIONS else "",
            date_from=day("date_from"),
            date_to=day("date_to"),
        )

    def to_args(self) -> dict[str, str]:
        values = {"entity_type": self.entity_type, "entity_id": self.entity_id, "actor": self.actor,
                  "provider": self.provider, "provider_id": str(self.provider_id) if self.provider_id else "",
                  "action": self.action, "date_from": self.date_from.isoformat() if self.date_from else "",
                  "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {key: value for key, value in values.items() if value}


ACTIONS = ("insert", "update", "delete")


def _printable(text: str) -> str:
    """Control characters never belong in a search (PostgreSQL refuses NUL outright)."""
    return printable(text).strip()


def _day_start(day: date) -> datetime:
    """Midnight in Stockholm, as UTC: the dates a user types are local dates."""
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM).astimezone(UTC)


def audit_query(filters: AuditFilters):
    stmt = select(AuditEvent)
    if filters.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        stmt = stmt.where(AuditEvent.entity_id == filters.entity_id)
    if filters.actor:
        from vendor_registry.auth.models import User

        needle = filters.actor.lower()
        # The reader's own people (the organisation filter limits ``User``) by name; an address
        # or a job's name in the label, of the reader's own actors and jobs only: another
        # organisation's people are not searchable by who they are.
        people = select(User.id).where(func.lower(User.name).contains(needle, autoescape=True))
        label = func.lower(AuditEvent.actor_label).contains(needle, autoescape=True)
        reader = reading_scope()
        if reader is not None:
            label = and_(label, or_(AuditEvent.actor_organisation_id.is_(None),
                                    AuditEvent.actor_organisation_id == reader))
        stmt = stmt.where(or_(label, AuditEvent.actor_user_id.in_(people)))
    if filters.provider_id:
        stmt = stmt.where(AuditEvent.provider_id == filters.provider_id)
    if filters.provider:
        stmt = stmt.where(AuditEvent.provider_id.in_(_providers_matching(filters.provider)))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.occurred_at >= _day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.occurred_at < _day_start(filters.date_to + timedelta(days=1)))
    return stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def _providers_matching(text: str):
    """Provider ids found by ``text`` with the provider list's own search rule."""
    from vendor_registry.providers.models import Provider
    from vendor_registry.providers.queries import _text_condition

    return select(Provider.id).where(_text_condition(text))


def after(stmt, event: AuditEvent):
    """Keyset continuation of :func:`audit_query`'s order (newest first): the events after ``event``."""
    return stmt.where(or_(AuditEvent.occurred_at < event.occurred_at,
                          and_(AuditEvent.occurred_at == event.occurred_at, AuditEvent.id < event.id)))


def entity_types() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)))
