"""Review rules: no review after approval, the latest review too old, required actions late."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, select

from vendor_registry.codes import FlagRule, FlagSeverity
from vendor_registry.flags.rules import (
    APPROVED_STATUSES,
    IN_SCOPE_STATUSES,
    Finding,
    RuleContext,
    local_date,
    own_approval,
)
from vendor_registry.flags.rules import gettext as _
from vendor_registry.providers.models import ProviderApproval
from vendor_registry.reviews.models import Review, ReviewAction


def review_missing(ctx: RuleContext) -> list[Finding]:
    """An approved provider has had no review since approval, and more than REVIEW_MISSING_DAYS
    have passed since the (Stockholm) approval date: on day 90 it is still in time, on day 91
    it is flagged. Per organisation: its own approval, its own reviews."""
    days = ctx.setting("REVIEW_MISSING_DAYS")
    last_review = (
        select(Review.provider_id, Review.organisation_id, func.max(Review.performed_on).label("last_on"))
        .where(ctx.only(Review.provider_id))
        .group_by(Review.provider_id, Review.organisation_id).subquery()
    )
    rows = ctx.session.execute(
        select(ProviderApproval.provider_id.label("id"), ProviderApproval.organisation_id,
               ProviderApproval.approved_at, last_review.c.last_on)
        .outerjoin(last_review, and_(last_review.c.provider_id == ProviderApproval.provider_id,
                                     last_review.c.organisation_id == ProviderApproval.organisation_id))
        .where(ProviderApproval.status.in_(APPROVED_STATUSES), ctx.only(ProviderApproval.provider_id),
               ProviderApproval.approved_at.is_not(None),
               ProviderApproval.approved_at < ctx.day_start_utc(ctx.days_ago(days)))
    ).all()
    findings = []
    for row in rows:
        approved_on = local_date(row.approved_at)
        if row.last_on is not None and row.last_on >= approved_on:
            continue
        if ctx.today - approved_on <= timedelta(days=days):
            continue
        findings.append(Finding(
            row.id, FlagRule.REVIEW_MISSING, "provider", FlagSeverity.HIGH,
            _("Ingen uppföljning har gjorts sedan godkännandet %(date)s.", date=approved_on.isoformat()),
            {"approved_on": approved_on.isoformat(), "days": days}, row.organisation_id,
        ))
    return findings


def review_overdue(ctx: RuleContext) -> list[Finding]:
    """The organisation's latest review was performed more than REVIEW_OVERDUE_DAYS days ago."""
    days = ctx.setting("REVIEW_OVERDUE_DAYS")
    last_on = func.max(Review.performed_on)
    rows = ctx.session.execute(
        select(Review.provider_id, Review.organisation_id, last_on.label("last_on"))
        .join(ProviderApproval, own_approval(Review))
        .where(ProviderApproval.status.in_(IN_SCOPE_STATUSES), ctx.only(Review.provider_id))
        .group_by(Review.provider_id, Review.organisation_id)
        .having(last_on < ctx.days_ago(days))
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.REVIEW_OVERDUE, "provider", FlagSeverity.HIGH,
            _("Senaste uppföljningen gjordes %(date)s, för mer än %(days)s dagar sedan.",
              date=row.last_on.isoformat(), days=days),
            {"last_review_on": row.last_on.isoformat(), "days": days}, row.organisation_id,
        )
        for row in rows
    ]


def review_actions_overdue(ctx: RuleContext) -> list[Finding]:
    """A required action is not completed and its deadline has passed (today is after it)."""
    rows = ctx.session.execute(
        select(ReviewAction.id, ReviewAction.provider_id, ReviewAction.organisation_id, ReviewAction.description,
               ReviewAction.deadline)
        .join(ProviderApproval, own_approval(ReviewAction))
        .where(ProviderApproval.status.in_(IN_SCOPE_STATUSES), ctx.only(ReviewAction.provider_id),
               ReviewAction.completed_on.is_(None), ReviewAction.deadline < ctx.today)
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.REVIEW_ACTIONS_OVERDUE, f"review_action:{row.id}", FlagSeverity.HIGH,
            _("Åtgärden ”%(text)s” skulle vara klar %(date)s.", text=row.description[:120],
              date=row.deadline.isoformat()),
            {"review_action_id": row.id, "deadline": row.deadline.isoformat()}, row.organisation_id,
        )
        for row in rows
    ]
