"""Reads about background checks shared by pages, the CLI and the scheduler job.

Every function here costs a fixed number of statements however many providers there are:
the policy table is read once, the latest check per (provider, type) comes from one window
query.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, Text, func, or_, select, type_coerce
from sqlalchemy.orm import selectinload

from vendor_registry import clock
from vendor_registry.background_checks.models import (
    BackgroundCheck,
    CheckPolicy,
    EvidenceDocument,
)
from vendor_registry.codes import DEFAULT_CHECK_INTERVAL_DAYS, CheckType, ProviderStatus
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider

STOCKHOLM = clock.STOCKHOLM
#: Providers whose checks are no longer run automatically.
NOT_CHECKED_STATUSES = (ProviderStatus.INACTIVE, ProviderStatus.REJECTED)




def policy_intervals() -> dict[tuple[str, str], int]:
    """(provider kind, check type) -> interval in days, for every required policy row."""
    rows = db.session.execute(
        select(CheckPolicy.provider_kind, CheckPolicy.check_type, CheckPolicy.interval_days)
        .where(CheckPolicy.required.is_(True))
    )
    return {(str(kind), str(ctype)): days for kind, ctype, days in rows}


def interval_days(kinds: Iterable[str], check_type: CheckType,
                  policies: dict[tuple[str, str], int] | None = None) -> int:
    """The shortest interval any of the provider's kinds asks for, else the type's default."""
    policies = policy_intervals() if policies is None else policies
    found = [policies[(str(k), str(check_type))] for k in kinds if (str(k), str(check_type)) in policies]
    return min(found) if found else DEFAULT_CHECK_INTERVAL_DAYS[CheckType(check_type)]


def required_types(kinds: Iterable[str], policies: dict[tuple[str, str], int]) -> set[CheckType]:
    kinds = {str(k) for k in kinds}
    return {CheckType(t) for (k, t) in policies if k in kinds}


def _has_kind(kind: str):
    """``database.has_code`` binds its pattern through the CodeList type (which rejects "|"),
    so the column is compared as plain text here."""
    return type_coerce(Provider.kinds, Text).like(f"%|{kind}|%")


def _latest_checks_subquery():
    ranked = select(
        BackgroundCheck.id, BackgroundCheck.provider_id, BackgroundCheck.check_type, BackgroundCheck.next_due_on,
        func.row_number().over(
            partition_by=(BackgroundCheck.provider_id, BackgroundCheck.check_type),
            order_by=(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc()),
        ).label("rank"),
    ).subquery()
    return select(ranked.c.id, ranked.c.provider_id, ranked.c.check_type, ranked.c.next_due_on).where(
        ranked.c.rank == 1).subquery()


def due_automatic_checks(types: Iterable[CheckType], today: date | None = None,
                         provider_ids: Iterable[int] | None = None) -> list[tuple[Provider, CheckType]]:
    """(provider, type) pairs whose automatic check is due: never run, or latest due date passed.

    Only types the provider's kinds require by the policy, and only providers still in play
    (not inactive or rejected). Ordered by provider so a run handles one provider at a time.
    Statements: one for the policy, one per check type (at most two automatic types).
    """
    today = today or clock.today()
    policies = policy_intervals()
    latest = _latest_checks_subquery()
    pairs: list[tuple[Provider, CheckType]] = []
    for check_type in sorted(set(types)):
        kinds = sorted({k for (k, t) in policies if t == str(check_type)})
        if not kinds:
            continue
        stmt: Select = (
            select(Provider)
            .outerjoin(latest, (latest.c.provider_id == Provider.id)
                       & (latest.c.check_type == str(check_type)))
            .where(Provider.status.not_in(NOT_CHECKED_STATUSES))
            .where(or_(*(_has_kind(k) for k in kinds)))
            .where(or_(latest.c.provider_id.is_(None), latest.c.next_due_on.is_(None),
                       latest.c.next_due_on <= today))
        )
        if provider_ids is not None:
            stmt = stmt.where(Provider.id.in_(list(provider_ids)))
        pairs.extend((provider, check_type) for provider in db.session.scalars(stmt))
    pairs.sort(key=lambda pair: (pair[0].org_number, str(pair[1])))
    return pairs


def latest_checks_by_type(provider_id: int) -> dict[CheckType, BackgroundCheck]:
    latest = _latest_checks_subquery()
    rows = db.session.scalars(
        select(BackgroundCheck)
        .join(latest, latest.c.id == BackgroundCheck.id)
        .where(BackgroundCheck.provider_id == provider_id)
        .order_by(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc())
    )
    result: dict[CheckType, BackgroundCheck] = {}
    for check in rows:
        result.setdefault(CheckType(check.check_type), check)
    return result


def check_history(provider_id: int, limit: int = 200) -> list[BackgroundCheck]:
    return list(db.session.scalars(
        select(BackgroundCheck)
        .options(selectinload(BackgroundCheck.evidence_document))
        .where(BackgroundCheck.provider_id == provider_id)
        .order_by(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc())
        .limit(limit)
    ))


def evidence_for_provider(provider_id: int, limit: int = 200) -> list[EvidenceDocument]:
    """A provider's evidence documents, newest first (uploads and sources' raw answers alike)."""
    return list(db.session.scalars(
        select(EvidenceDocument).where(EvidenceDocument.provider_id == provider_id)
        .order_by(EvidenceDocument.uploaded_at.desc(), EvidenceDocument.id.desc()).limit(limit)))


def count_checks(provider_id: int, check_type: CheckType) -> int:
    return db.session.scalar(
        select(func.count()).select_from(BackgroundCheck)
        .where(BackgroundCheck.provider_id == provider_id, BackgroundCheck.check_type == check_type)
    ) or 0


def provider_by_org_number(org_number: str) -> Provider | None:
    return db.session.scalar(select(Provider).where(Provider.org_number == org_number))
