"""Flags (avvikelser) raised by the scheduled rules, and per-user notifications of them."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Computed,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.auth.models import User
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.database import VersionedMixin, enum_type, utcnow
from vendor_registry.extensions import db
from vendor_registry.organisations.models import OwnedByOrganisation, SharedOrOwned
from vendor_registry.providers.models import Provider

# A flag "holds its slot" while open or acknowledged, and while dismissed until the condition
# clears (``cleared_at``); at most one such flag per (provider, rule, subject).
LIVE_FLAG_PREDICATE = "status IN ('open', 'acknowledged') OR (status = 'dismissed' AND cleared_at IS NULL)"


class Flag(SharedOrOwned, VersionedMixin, db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        Index(
            "uq_flags_live_subject",
            "provider_id",
            "rule",
            "subject_key",
            unique=True,
            sqlite_where=text(LIVE_FLAG_PREDICATE),
            postgresql_where=text(LIVE_FLAG_PREDICATE),
        ),
        Index("ix_flags_status_severity", "status", "severity"),
        # Per-provider live-flag counts (list badges, exports) read only this index; without it
        # SQLite walks every live flag through ix_flags_status_severity (issue 15).
        Index("ix_flags_provider_status_severity", "provider_id", "status", "severity"),
        # The navigation badge on every page (flags.whats_new.badge_count): a person's assigned live
        # flags, and the urgent live flags of the role's rules since the person last looked, are
        # counted from these two indexes alone instead of walking every live flag (issue 15).
        Index("ix_flags_assignee_status", "assignee_id", "status"),
        Index("ix_flags_urgent", "severity", "status", "rule", "raised_at", "escalated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    rule: Mapped[FlagRule] = mapped_column(enum_type(FlagRule))
    subject_key: Mapped[str] = mapped_column(String(100))
    severity: Mapped[FlagSeverity] = mapped_column(enum_type(FlagSeverity))
    status: Mapped[FlagStatus] = mapped_column(enum_type(FlagStatus), default=FlagStatus.OPEN)
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    escalated_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ack_comment: Mapped[str | None] = mapped_column(Text)
    snoozed_until: Mapped[date | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_by_label: Mapped[str | None] = mapped_column(String(254))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    cleared_at: Mapped[datetime | None]
    # False until the flag has been announced (digest/notification); set True without
    # announcing when a new rule first runs over old conditions, so no flood is sent.
    announced: Mapped[bool] = mapped_column(default=False)

    provider: Mapped[Provider] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])


# The queue's order, most severe first (0 = critical), as a column the database computes from
# ``severity`` on every write path (ORM, Core inserts of the sweeps, bulk updates), so that
# ix_flags_queue_order serves the queue's ORDER BY and a page is read without sorting every live
# flag (issue 15). Not mapped: nothing in Python reads it, and the audit listener does not see it.
SEVERITY_SORT_SQL = "CASE severity " + " ".join(
    f"WHEN '{s.value}' THEN {len(FlagSeverity) - 1 - s.rank}" for s in sorted(FlagSeverity, key=lambda s: -s.rank)
) + " END"
Flag.__table__.append_column(Column("severity_sort", SmallInteger, Computed(SEVERITY_SORT_SQL, persisted=True)))
Index("ix_flags_queue_order", Flag.__table__.c.severity_sort, Flag.__table__.c.raised_at, Flag.__table__.c.id)


class Notification(OwnedByOrganisation, db.Model):
    """An in-app notice to one user about a flag relevant to their role."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class FlagRuleState(db.Model):
    """Per rule, when it first ran: its first run marks what it finds as already announced, so a
    new rule introduced on a database full of old conditions sends no flood of notices."""

    __tablename__ = "flag_rule_states"

    rule: Mapped[FlagRule] = mapped_column(enum_type(FlagRule), primary_key=True)
    first_run_at: Mapped[datetime] = mapped_column(default=utcnow)
