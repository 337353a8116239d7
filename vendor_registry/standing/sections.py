"""The data of each section of the provider page: one query per section, eager-loaded.

Sections are loaded here, not in templates, so that a page with 50 licences or 200 checks
costs the same number of statements as one with two, and so that what a role may not see
(check details for social workers, the audit trail without READ_AUDIT) is never loaded; flags
come as the viewer may read them (``flags.visibility``: a check flag without type or result).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from vendor_registry import clock
from vendor_registry.auth.permissions import (
    Permission,
    has_permission,
    sees_check_details,
)
from vendor_registry.background_checks.evidence import (
    EvidenceRow,
    evidence_for_provider,
)
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.background_checks.queries import (
    checks_current_map,
    required_check_intervals,
)
from vendor_registry.codes import LIVE_FLAG_STATUSES, CheckType, FlagStatus
from vendor_registry.contracts.queries import contracts_for_provider
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag, FlagHandling
from vendor_registry.flags.visibility import ShownFlag, shown_flags
from vendor_registry.licences.queries import licence_state_map, licences_for_provider
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.organisations.tenancy import current_organisation_id
from vendor_registry.providers.models import ApprovalEvent, Provider
from vendor_registry.reviews.models import Review
from vendor_registry.reviews.queries import PublishedSummary, published_summary

RECENT_FLAG_DAYS = 90
CHECK_HISTORY_LIMIT = 200


AUDIT_ROWS = 50  # the newest changes; the link under the table opens the whole log for the provider


@dataclass
class CheckDue:
    """The next due date of one required check type (None: never performed, due now)."""

    check_type: CheckType
    interval_days: int
    last_performed: Any | None
    due_on: date | None

    @property
    def overdue(self) -> bool:
        return self.due_on is None or self.due_on < clock.today()


@dataclass
class ProviderPage:
    provider: Provider
    licences: list = field(default_factory=list)
    licence_state: Any = None
    methods: list = field(default_factory=list)
    contracts: list = field(default_factory=list)
    checks_current: bool = False
    check_history: list | None = None  # None: the viewer may not see check details
    checks_due: list[CheckDue] | None = None
    reviews: list = field(default_factory=list)
    published: PublishedSummary | None = None  # what other organisations published about the provider
    open_flags: list[ShownFlag] = field(default_factory=list)  # as the viewer may read them
    recent_flags: list[ShownFlag] = field(default_factory=list)
    approval_events: list = field(default_factory=list)
    audit_events: list | None = None  # None: the viewer may not read the audit log
    evidence: list[EvidenceRow] = field(default_factory=list)  # only what the viewer may see

    @cached_property
    def evidence_by_id(self) -> dict[int, EvidenceRow]:
        """Document id -> row, for the download link shown beside a licence, review or check."""
        return {row.document.id: row for row in self.evidence}


def offered_methods(provider_id: int) -> list[ProviderMethod]:
    stmt = (select(ProviderMethod).where(ProviderMethod.provider_id == provider_id)
            .options(selectinload(ProviderMethod.method)).order_by(ProviderMethod.id))
    return sorted(db.session.scalars(stmt), key=lambda pm: pm.method.name.lower())


def check_history(provider_id: int) -> list[BackgroundCheck]:
    stmt = (select(BackgroundCheck).where(BackgroundCheck.provider_id == provider_id)
            .order_by(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc()).limit(CHECK_HISTORY_LIMIT))
    return list(db.session.scalars(stmt))


def checks_due(provider_id: int, history: list[BackgroundCheck], required: dict[str, int]) -> list[CheckDue]:
    """Per required type (``required``: type -> policy interval): the latest check's own
    ``next_due_on`` if it set one, else the latest check plus the policy interval; never
    performed → due now."""
    latest: dict[str, BackgroundCheck] = {}
    for check in history:  # newest first
        latest.setdefault(str(check.check_type), check)
    rows = []
    for code, interval in sorted(required.items(), key=lambda item: list(CheckType).index(CheckType(item[0]))):
        check = latest.get(code)
        due = None
        if check is not None:
            due = check.next_due_on or clock.local_date(check.performed_at) + timedelta(days=interval)
        rows.append(CheckDue(CheckType(code), interval, check, due))
    return rows


def reviews_for_provider(provider_id: int) -> list[Review]:
    stmt = (select(Review).where(Review.provider_id == provider_id)
            .options(selectinload(Review.actions), selectinload(Review.publication))
            .order_by(Review.performed_on.desc(), Review.id.desc()))
    return list(db.session.scalars(stmt))


def flags_for_provider(provider_id: int) -> tuple[list[Flag], list[Flag]]:
    """(open or acknowledged, resolved or dismissed within RECENT_FLAG_DAYS), one statement."""
    since = utcnow() - timedelta(days=RECENT_FLAG_DAYS)
    stmt = (select(Flag).where(Flag.provider_id == provider_id,
                               or_(Flag.view_status.in_(LIVE_FLAG_STATUSES), Flag.resolved_at >= since,
                                   Flag.id.in_(select(FlagHandling.flag_id).where(FlagHandling.resolved_at >= since))))
            .order_by(Flag.raised_at.desc(), Flag.id.desc()))
    flags = list(db.session.scalars(stmt))
    live = [f for f in flags if f.view.status in LIVE_FLAG_STATUSES]
    live.sort(key=lambda f: (-f.severity.rank, f.raised_at))
    recent = [f for f in flags if f.view.status in (FlagStatus.RESOLVED, FlagStatus.DISMISSED)]
    return live, recent


def approval_events(provider_id: int) -> list[ApprovalEvent]:
    stmt = (select(ApprovalEvent).where(ApprovalEvent.provider_id == provider_id)
            .order_by(ApprovalEvent.created_at.desc(), ApprovalEvent.id.desc()))
    return list(db.session.scalars(stmt))


def load_provider_page(provider: Provider, user: Any) -> ProviderPage:
    from vendor_registry.audit.presentation import present
    from vendor_registry.audit.queries import events_for_provider

    page = ProviderPage(provider=provider)
    page.licences = licences_for_provider(provider.id)
    page.licence_state = licence_state_map([provider.id])[provider.id]
    page.methods = offered_methods(provider.id)
    page.contracts = contracts_for_provider(provider.id)
    required = required_check_intervals([provider.id])
    page.checks_current = checks_current_map([provider.id], required=required)[provider.id]
    if sees_check_details(user):
        page.check_history = check_history(provider.id)
        page.checks_due = checks_due(provider.id, page.check_history, required.get(provider.id, {}))
    page.reviews = reviews_for_provider(provider.id)
    # shared on purpose: the others' publications (the viewer's own reviews are listed in full)
    page.published = published_summary(provider.id, excluding_organisation_id=current_organisation_id())
    page.evidence = evidence_for_provider(provider.id, user)
    live, recent = flags_for_provider(provider.id)
    page.open_flags, page.recent_flags = shown_flags(live, user), shown_flags(recent, user)
    page.approval_events = approval_events(provider.id)
    if has_permission(user, Permission.READ_AUDIT):
        # the log page's own presentation: names and Swedish labels, a fixed number of statements
        page.audit_events = present(events_for_provider(provider.id, limit=AUDIT_ROWS))
    return page
