"""What is new for one person since they last looked at their notices.

The nightly digest (``notify``) writes a notice per flag once; until a digest has run, or for
flags raised during the day, that left the page saying "no notices" while critical flags were
open. This reads the flags themselves instead: open critical/high flags of the rules the
person's role hears about, raised or escalated after their ``notices_seen_at``, and flags
assigned to them after it (from the audit log, where every assignment is recorded). Marking the
notices as read moves the marker; it is written with a plain UPDATE because looking at a page is
not a record change and must not fill the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    cast,
    func,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.orm import joinedload

from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import User
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagSeverity
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import (
    CLOSED_STATUSES,
    Flag,
    FlagHandling,
    Notification,
    handling_organisation_param,
    live_in_view,
)
from vendor_registry.flags.notify import ROLE_RULES
from vendor_registry.flags.queries import SEVERITY_ORDER

URGENT = (FlagSeverity.CRITICAL, FlagSeverity.HIGH)
SHOWN = 50


@dataclass
class WhatsNew:
    seen_at: datetime | None
    urgent: list[Flag] = field(default_factory=list)
    urgent_total: int = 0
    assigned: list[Flag] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.urgent_total + len(self.assigned)


def _urgent_condition(user: Any, *, view: bool = True):
    """The urgent flags this person's role hears about, new since they looked: live in their
    organisation's view, or (``view=False``) live as rows (see ``_urgent_count``)."""
    if user.role not in ROLE_RULES:
        return None
    live = live_in_view() if view else Flag.status.in_(LIVE_FLAG_STATUSES)
    condition = and_(live, Flag.severity.in_(URGENT))
    rules = ROLE_RULES[user.role]
    if rules is not None:
        condition = and_(condition, Flag.rule.in_(sorted(rules)))
    seen = user.notices_seen_at
    if seen is not None:
        condition = and_(condition, or_(Flag.raised_at > seen, Flag.escalated_at > seen))
    return condition


def _urgent_count(user: Any):
    """How many urgent flags ``_urgent_condition`` finds, counted without judging the view flag
    by flag: the live rows (index-only, ix_flags_urgent holds every column of the condition)
    minus the shared ones this organisation has closed for itself (its handlings: few rows).
    Equal because a view is live exactly where the row is live, except a shared flag the
    organisation resolved or dismissed. Judging the view's CASE on each of the demo's 6,000
    urgent flags took ~6 ms on every page (the navigation badge)."""
    rows = _urgent_condition(user, view=False)
    if rows is None:
        return None
    live = select(func.count()).select_from(Flag).where(rows).scalar_subquery()
    closed_here = (select(func.count()).select_from(FlagHandling).join(Flag, Flag.id == FlagHandling.flag_id)
                   .where(rows, Flag.organisation_id.is_(None), FlagHandling.status.in_(CLOSED_STATUSES),
                          FlagHandling.organisation_id == handling_organisation_param())
                   .scalar_subquery())
    return live - closed_here


def _assigned_query(user: Any):
    """Active flags assigned to this person, and (once they have looked) only those whose
    assignment the audit log records after that moment."""
    # The candidates narrow by index (ix_flags_assignee_status, the handlings' few rows) what
    # the exact view condition then decides: the badge is on every page. Read from the
    # candidates, each flag by its key: with the two as an OR, or as an IN beside the
    # organisation filter, SQLite walked the live or the shared flags instead.
    candidates = union(  # distinct: a flag found both ways counts once
        select(Flag.id.label("id")).where(Flag.assignee_id == user.id, Flag.status.in_(LIVE_FLAG_STATUSES)),
        select(FlagHandling.flag_id.label("id")).where(FlagHandling.assignee_id == user.id)).subquery()
    mine = (select(Flag.id).select_from(candidates).join(Flag, Flag.id == candidates.c.id)
            .where(Flag.view_status.in_(LIVE_FLAG_STATUSES), Flag.view_assignee_id == user.id))
    seen = user.notices_seen_at
    if seen is not None:
        def assigned_since(entity_type: str):
            return select(AuditEvent.entity_id).where(
                AuditEvent.entity_type == entity_type, AuditEvent.occurred_at > seen,
                AuditEvent.changes["assignee_id"].is_not(None))
        # an own flag's assignment is on the flag; a shared flag's on the organisation's handling
        handled = select(FlagHandling.flag_id).where(
            cast(FlagHandling.id, String).in_(assigned_since(FlagHandling.__tablename__)))
        mine = mine.where(or_(cast(Flag.id, String).in_(assigned_since(Flag.__tablename__)), Flag.id.in_(handled)))
    return mine


def badge_count(user: Any) -> int:
    """The navigation badge: unread digest notices plus what is new, in one statement (the
    badge is on every page, so it must not add statements to any of them)."""
    parts = [select(func.count()).select_from(Notification)
             .where(Notification.user_id == user.id, Notification.read_at.is_(None)).scalar_subquery(),
             select(func.count()).select_from(_assigned_query(user).subquery()).scalar_subquery()]
    urgent = _urgent_count(user)
    if urgent is not None:
        parts.append(urgent)
    return sum(db.session.execute(select(*parts)).one())


def whats_new(user: Any) -> WhatsNew:
    result = WhatsNew(user.notices_seen_at)
    condition = _urgent_condition(user)
    if condition is not None:
        result.urgent_total = db.session.scalar(select(_urgent_count(user))) or 0
        result.urgent = list(db.session.scalars(
            select(Flag).where(condition).options(joinedload(Flag.provider))
            .order_by(SEVERITY_ORDER.desc(), Flag.raised_at.desc(), Flag.id.desc()).limit(SHOWN)))
    ids = list(db.session.scalars(_assigned_query(user)))
    if ids:
        result.assigned = list(db.session.scalars(
            select(Flag).where(Flag.id.in_(ids)).options(joinedload(Flag.provider)).order_by(Flag.raised_at)))
    return result


def mark_seen(user_id: int, now: datetime | None = None) -> None:
    db.session.execute(update(User.__table__).where(User.__table__.c.id == user_id)
                       .values(notices_seen_at=now or utcnow()))
