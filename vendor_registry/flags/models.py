"""Flags (avvikelser) raised by the scheduled rules, and per-user notifications of them."""
from __future__ import annotations

import functools
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    Computed,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import (
    Mapped,
    aliased,
    column_property,
    foreign,
    mapped_column,
    relationship,
)

from vendor_registry.auth.models import User
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagRule, FlagSeverity, FlagStatus
from vendor_registry.database import VersionedMixin, enum_type, utcnow
from vendor_registry.extensions import db
from vendor_registry.organisations.models import (
    OwnedByOrganisation,
    SharedOrOwned,
    organisation_provider_index,
)
from vendor_registry.organisations.tenancy import current_organisation_id
from vendor_registry.providers.models import Provider

if TYPE_CHECKING:
    from vendor_registry.flags.handling import FlagView

#: What an organisation's handling can close a shared flag with (for that organisation only).
CLOSED_STATUSES = (FlagStatus.RESOLVED, FlagStatus.DISMISSED)

# A flag "holds its slot" while open or acknowledged, and while dismissed until the condition
# clears (``cleared_at``); at most one such flag per (organisation, provider, rule, subject):
# one shared flag (organisation empty) and one per organisation for its own rules (issue 14).
# Two partial indexes, because NULL never equals NULL in a unique index (an expression index on
# coalesce(organisation_id, 0) would do it in one, but cannot be reflected on SQLite).
LIVE_FLAG_PREDICATE = "status IN ('open', 'acknowledged') OR (status = 'dismissed' AND cleared_at IS NULL)"
SHARED_LIVE_PREDICATE = f"organisation_id IS NULL AND ({LIVE_FLAG_PREDICATE})"
OWN_LIVE_PREDICATE = f"organisation_id IS NOT NULL AND ({LIVE_FLAG_PREDICATE})"


class Flag(SharedOrOwned, VersionedMixin, db.Model):
    __tablename__ = "flags"
    # Computed from the row and its rule's last sweep (below), not stored: nothing to audit, and
    # reading it from a deleted or just-inserted row would cost a statement or fail.
    __audit_skip__ = ("last_seen",)
    __table_args__ = (
        organisation_provider_index("flags"),
        Index("uq_flags_live_subject", "provider_id", "rule", "subject_key", unique=True,
              sqlite_where=text(SHARED_LIVE_PREDICATE), postgresql_where=text(SHARED_LIVE_PREDICATE)),
        Index("uq_flags_live_own_subject", "provider_id", "rule", "subject_key", "organisation_id", unique=True,
              sqlite_where=text(OWN_LIVE_PREDICATE), postgresql_where=text(OWN_LIVE_PREDICATE)),
        # A rule's live flags (every sweep, per rule) and the counts by status (migration 0021).
        Index("ix_flags_status_rule_severity", "status", "rule", "severity"),
        # Per-provider live-flag counts (list badges, exports) read only this index; without it
        # SQLite walks every live flag through the status index (issue 15).
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
    # The acting organisation's handling of a shared flag, joined to every query that loads
    # flags (one LEFT JOIN on the unique (flag, organisation) key; none in ALL scope).
    acting_handling: Mapped[FlagHandling | None] = relationship(
        primaryjoin=lambda: and_(
            Flag.id == foreign(FlagHandling.flag_id),
            FlagHandling.organisation_id == handling_organisation_param(),
        ),
        viewonly=True, uselist=False, lazy="joined",
    )

    @property
    def shared(self) -> bool:
        """Raised from shared facts, seen by every organisation (issue 14)."""
        return self.organisation_id is None

    @property
    def view(self) -> FlagView:
        """The flag as the acting organisation handles it (``flags.handling``)."""
        from vendor_registry.flags.handling import flag_view

        return flag_view(self)


class FlagHandling(OwnedByOrganisation, VersionedMixin, db.Model):
    """One organisation's handling of a shared flag (issue 14): Malmö acknowledging, assigning,
    resolving or dismissing a revoked permit's flag changes Malmö's view only. The flag itself
    (raised and resolved by the rules) stays one row for everybody; an organisation's own flags
    keep their handling in the flag row."""

    __tablename__ = "flag_handlings"
    __table_args__ = (UniqueConstraint("flag_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id", ondelete="CASCADE"), index=True)
    status: Mapped[FlagStatus] = mapped_column(enum_type(FlagStatus), default=FlagStatus.OPEN)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ack_comment: Mapped[str | None] = mapped_column(Text)
    snoozed_until: Mapped[date | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_by_label: Mapped[str | None] = mapped_column(String(254))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id], lazy="joined")


def handling_organisation_id() -> int:
    """Whose handling of shared flags is read: the acting organisation's; none (0) for a job,
    the command line or a test acting for the whole installation, which read the flag row."""
    return current_organisation_id() or 0


def handling_organisation_param() -> Any:
    """``handling_organisation_id()`` as a bound parameter evaluated at execution, so that an
    expression holding it can be built once and serve every organisation."""
    return bindparam("handling_organisation_id", callable_=handling_organisation_id, type_=Integer)


def _handling_value(column: Any, *, closed_only: bool = False) -> Any:
    h = aliased(FlagHandling)
    condition = [h.flag_id == Flag.id, h.organisation_id == handling_organisation_param()]
    if closed_only:
        condition.append(h.status.in_(CLOSED_STATUSES))
    return select(getattr(h, column)).where(*condition).correlate_except(h).scalar_subquery()


@functools.cache
def _view_status_expression() -> Any:
    """SQL for ``FlagView.status``: an own flag's status; a shared flag's as the acting
    organisation handles it: its own closing first, then the rule's resolving, then its
    acknowledgement, else the flag row's. Built once: the organisation is a parameter of the
    execution, and building the alias cost ~4 ms on every page (the navigation badge)."""
    h = aliased(FlagHandling)
    handled = (select(case((or_(h.status.in_(CLOSED_STATUSES), Flag.status.in_(LIVE_FLAG_STATUSES)), h.status)))
               .where(h.flag_id == Flag.id, h.organisation_id == handling_organisation_param())
               .correlate_except(h).scalar_subquery())
    value = case((Flag.organisation_id.is_(None), func.coalesce(handled, Flag.status)), else_=Flag.status)
    return type_coerce(value, enum_type(FlagStatus))


Flag.view_status = hybrid_property(lambda self: self.view.status, expr=lambda cls: _view_status_expression())


def live_in_view() -> Any:
    """WHERE the acting organisation's view of a flag is live. The row's own status is tested
    first and narrows exactly: a view is live only where the row is (an organisation's handling
    can close a shared flag, never reopen one), and that test, unlike the view's CASE, is one an
    index serves (the navigation badge on every page walked every urgent flag without it)."""
    return and_(Flag.status.in_(LIVE_FLAG_STATUSES), Flag.view_status.in_(LIVE_FLAG_STATUSES))


@functools.cache
def _view_assignee_expression() -> Any:
    """SQL for ``FlagView.assignee_id`` (built once, as above)."""
    return type_coerce(case(
        (and_(Flag.organisation_id.is_(None), _handling_value("id").is_not(None)), _handling_value("assignee_id")),
        else_=Flag.assignee_id), Integer)


Flag.view_assignee_id = hybrid_property(lambda self: self.view.assignee_id,
                                        expr=lambda cls: _view_assignee_expression())
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
    new rule introduced on a database full of old conditions sends no flood of notices.

    And when it last ran over every provider (``last_swept_at``): every flag of the rule still
    live after that sweep was seen by it. The sweep writes this one row instead of the "last
    seen" time of each of its live flags (100,000 rows a night at national scale, 6 s of the
    check sweep on PostgreSQL: issue 15); ``Flag.last_seen`` reads the two together."""

    __tablename__ = "flag_rule_states"

    rule: Mapped[FlagRule] = mapped_column(enum_type(FlagRule), primary_key=True)
    first_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_swept_at: Mapped[datetime | None]


def live_flag_clause() -> Any:
    """The ORM spelling of ``LIVE_FLAG_PREDICATE`` (the partial unique index's condition)."""
    return or_(Flag.status.in_(LIVE_FLAG_STATUSES),
               and_(Flag.status == FlagStatus.DISMISSED, Flag.cleared_at.is_(None)))


def last_swept(rule: Any) -> Any:
    """The rule's last sweep over every provider, as a scalar subquery (NULL: never)."""
    return select(FlagRuleState.last_swept_at).where(FlagRuleState.rule == rule).scalar_subquery()


def seen_after_sweep(rule: Any) -> Any:
    """A live flag's "last seen": its own time, or the rule's last sweep if that is later (the
    sweep saw every flag of the rule that is still live). An SQL expression, for the flag's
    ``last_seen`` and for the statements that end a flag's life, which keep the value."""
    swept = last_swept(rule)
    return case((swept > Flag.last_seen_at, swept), else_=Flag.last_seen_at)


#: When the flag's condition was last seen to hold (the flag page, the API): ``last_seen_at``
#: for a flag no longer live, which the sweep that ended it set (``seen_after_sweep``).
Flag.last_seen = column_property(
    case((live_flag_clause(), seen_after_sweep(Flag.rule)),
         else_=Flag.last_seen_at).label("last_seen"))
