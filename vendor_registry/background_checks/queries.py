"""Reads about background checks shared by pages, the CLI and the scheduler job.

Every function here costs a fixed number of statements however many providers there are:
the policy table is read once, the latest check per (provider, type) comes from one window
query (``ranked_checks``). "Required check intervals" and "checks current" are defined here
once, for the provider pages, exports, matching, the flag rules and the API alike.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    String,
    Text,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import selectinload

from vendor_registry import clock
from vendor_registry.background_checks.models import (
    BackgroundCheck,
    CheckPolicy,
    EvidenceDocument,
)
from vendor_registry.codes import (
    DEFAULT_CHECK_INTERVAL_DAYS,
    CheckOutcome,
    CheckType,
    ProviderStatus,
)
from vendor_registry.database import UTCDateTime, utcnow
from vendor_registry.extensions import db
from vendor_registry.idsets import ProviderIds, in_set, materialise, result_map
from vendor_registry.providers.models import Provider

STOCKHOLM = clock.STOCKHOLM
#: Providers whose checks are no longer run automatically.
NOT_CHECKED_STATUSES = (ProviderStatus.INACTIVE, ProviderStatus.REJECTED)
#: Results that make a check type not current even when recent.
FAILING_RESULTS = (CheckOutcome.FAIL, CheckOutcome.ERROR)




def policy_intervals() -> dict[tuple[str, str], int]:
    """(provider kind, check type) -> interval in days, for every required policy row."""
    rows = db.session.execute(
        select(CheckPolicy.provider_kind, CheckPolicy.check_type, CheckPolicy.interval_days)
        .where(CheckPolicy.required.is_(True))
    )
    return {(str(kind), str(ctype)): days for kind, ctype, days in rows}


def strictest_intervals(kinds: Iterable[str], policies: dict[tuple[str, str], int]) -> dict[CheckType, int]:
    """check type -> interval for one provider's kinds: every type the policy requires for ANY
    of them, the shortest interval when several require it (``required_check_intervals`` is
    the same rule in SQL for many providers at once)."""
    kinds = {str(k) for k in kinds}
    result: dict[CheckType, int] = {}
    for (kind, check_type), days in policies.items():
        if kind in kinds:
            result[CheckType(check_type)] = min(days, result.get(CheckType(check_type), days))
    return result


def interval_days(kinds: Iterable[str], check_type: CheckType,
                  policies: dict[tuple[str, str], int] | None = None) -> int:
    """The shortest interval any of the provider's kinds asks for, else the type's default."""
    policies = policy_intervals() if policies is None else policies
    found = strictest_intervals(kinds, policies).get(CheckType(check_type))
    return found if found is not None else DEFAULT_CHECK_INTERVAL_DAYS[CheckType(check_type)]


def required_types(kinds: Iterable[str], policies: dict[tuple[str, str], int]) -> set[CheckType]:
    return set(strictest_intervals(kinds, policies))


def _has_kind(kind: str):
    """``database.has_code`` binds its pattern through the CodeList type (which rejects "|"),
    so the column is compared as plain text here."""
    return type_coerce(Provider.kinds, Text).like(f"%|{kind}|%")


def ranked_checks(*conditions):
    """Every check (that meets ``conditions``) with its ``position`` among its provider's checks
    of the same type, newest first: 1 is the latest (greatest ``performed_at``, ties: the
    greatest id). The one "latest check per type" window query, on both dialects."""
    return (
        select(
            BackgroundCheck.id, BackgroundCheck.provider_id, BackgroundCheck.check_type,
            BackgroundCheck.performed_at, BackgroundCheck.result, BackgroundCheck.next_due_on,
            BackgroundCheck.automatic,
            func.row_number().over(
                partition_by=(BackgroundCheck.provider_id, BackgroundCheck.check_type),
                order_by=(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc()),
            ).label("position"),
        )
        .where(*conditions)
        .subquery()
    )


def _latest_checks_subquery():
    ranked = ranked_checks()
    return select(ranked.c.id, ranked.c.provider_id, ranked.c.check_type, ranked.c.next_due_on).where(
        ranked.c.position == 1).subquery()


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


# --- is a provider's checking current? ------------------------------------------------------

def required_checks(condition: Any) -> Select:
    """(provider_id, check_type, interval) for every check type the policy requires for ANY of
    the kinds of the providers that meet ``condition``; when several kinds require the same
    type, the strictest (shortest) interval applies. A SELECT, to read or to build on.

    The policy is matched against each distinct set of kinds (a handful), and providers join
    that by equality: matching every provider's kinds with LIKE against every policy row took
    half a second at 20,000 providers, four times the joined form (issue 15). The sets are
    those of the providers that meet ``condition``: a page asks for its 25 rows, and reading
    every provider's kinds for them was 4 ms of the provider list's 7 ms of SQL."""
    kind_sets = select(Provider.kinds).where(condition).distinct().subquery("kind_sets")
    kind_match = type_coerce(kind_sets.c.kinds, String).like(
        literal("%|") + type_coerce(CheckPolicy.provider_kind, String) + literal("|%")
    )
    required = (
        select(kind_sets.c.kinds, CheckPolicy.check_type, func.min(CheckPolicy.interval_days).label("interval"))
        .join(CheckPolicy, and_(kind_match, CheckPolicy.required.is_(True)))
        .group_by(kind_sets.c.kinds, CheckPolicy.check_type)
        .subquery("required")
    )
    return (
        select(Provider.id.label("provider_id"), required.c.check_type, required.c.interval)
        .join(required, type_coerce(required.c.kinds, String) == type_coerce(Provider.kinds, String))
        .where(condition)
    )


def required_check_intervals(provider_ids: ProviderIds) -> dict[int, dict[str, int]]:
    """provider id -> {check type: interval in days}, as ``required_checks``. One statement
    (per chunk)."""
    result: dict[int, dict[str, int]] = {}
    for condition in in_set(Provider.id, provider_ids):
        for provider_id, check_type, interval in db.session.execute(required_checks(condition)):
            result.setdefault(provider_id, {})[str(check_type)] = int(interval)
    return result


@dataclass(frozen=True)
class LatestCheck:
    check_type: str
    performed_at: datetime
    result: CheckOutcome
    next_due_on: date | None


def latest_checks(provider_ids: ProviderIds) -> dict[int, dict[str, LatestCheck]]:
    """provider id -> {check type: its latest check}. "Latest" is the greatest ``performed_at``
    (ties: the greatest id). One statement (per chunk), a window function on both dialects."""
    result: dict[int, dict[str, LatestCheck]] = {}
    for condition in in_set(BackgroundCheck.provider_id, provider_ids):
        ranked = ranked_checks(condition)
        stmt = select(ranked.c.provider_id, ranked.c.check_type, ranked.c.performed_at,
                      ranked.c.result, ranked.c.next_due_on).where(ranked.c.position == 1)
        for row in db.session.execute(stmt):
            result.setdefault(row.provider_id, {})[str(row.check_type)] = LatestCheck(
                str(row.check_type), row.performed_at, CheckOutcome(row.result), row.next_due_on)
    return result


def checks_current_map(
    provider_ids: ProviderIds, *, now: datetime | None = None, latest: dict[int, dict[str, LatestCheck]] | None = None,
    required: dict[int, dict[str, int]] | None = None,
) -> dict[int, bool]:
    """provider id -> are the provider's background checks current? (two statements in all)

    The single definition of "Kontroller aktuella" used by the provider list and page, the
    exports, matching (``checks_current`` requirement) and the API. A provider's checks are
    current when, for EVERY check type that the CheckPolicy marks ``required`` for ANY of the
    provider's kinds:

    * at least one BackgroundCheck of that type exists for the provider, and
    * the latest one (greatest ``performed_at``) was performed no longer ago than the policy
      interval in days (the shortest interval when several of the provider's kinds require
      the type): ``performed_at >= now - interval``, and
    * its result is not ``fail`` or ``error``. A ``concern`` still counts as current: the check
      was done and a person has judged it (the ``check_failed`` flag tracks the concern).

    ``next_due_on`` is not consulted: the policy interval is the rule, so that changing the
    policy takes effect at once. A provider for which the policy requires no type (e.g. its
    kinds have no policy rows) is current (True): nothing is outstanding. Every id asked
    about is in the result; unknown ids are True as well (nothing is required of them).
    Why it matters: social workers see only this yes/no, never the check details.
    """
    now = now or utcnow()
    ids = materialise(provider_ids)
    # a caller that has them passes them (the provider page shows the intervals too)
    required = required_check_intervals(ids) if required is None else required
    latest = latest_checks(ids) if latest is None else latest
    result = result_map(ids, lambda: True)
    for provider_id in (required if isinstance(ids, Select) else ids):
        checks = latest.get(provider_id, {})
        result[provider_id] = all(
            (check := checks.get(check_type)) is not None
            and check.performed_at >= now - timedelta(days=interval)
            and check.result not in FAILING_RESULTS
            for check_type, interval in required.get(provider_id, {}).items()
        )
    return result



def checks_not_current(provider_kinds: dict[int, frozenset[str]], provider_ids: Select, *,
                       now: datetime | None = None) -> set[int]:
    """The ids of ``provider_kinds`` (id -> kinds; ``provider_ids`` selects the same ids) whose
    checks are NOT current: the rule of ``checks_current_map``, for matching over every
    provider (issue 15: building a ``LatestCheck`` per check was most of a 20,000-provider
    match). SQL gives, per latest check that is not fail/error, the shortest policy interval
    it is still within (plain integers, no per-row type conversion); the required types come
    from the policy once per distinct set of kinds. Two statements. Kept in step with
    ``checks_current_map`` by tests/demand/test_snapshot_equivalence.py."""
    now = now or utcnow()
    policies = policy_intervals()
    intervals = sorted(set(policies.values()))
    fresh: dict[int, dict[str, int]] = defaultdict(dict)
    if intervals:
        # Only checks within the longest interval can count; ranking among them alone gives the
        # same latest whenever the overall latest counts (if it is older, none of them exist).
        oldest = literal(now - timedelta(days=intervals[-1]), UTCDateTime())
        ranked = ranked_checks(BackgroundCheck.provider_id.in_(provider_ids), BackgroundCheck.performed_at >= oldest)
        within = case(*((ranked.c.performed_at >= literal(now - timedelta(days=days), UTCDateTime()), days)
                        for days in intervals))
        stmt = select(ranked.c.provider_id, type_coerce(ranked.c.check_type, String), within).where(
            ranked.c.position == 1, ranked.c.result.not_in(FAILING_RESULTS))
        for provider_id, check_type, days in db.session.execute(stmt):
            fresh[provider_id][check_type] = days
    required_for: dict[frozenset[str], tuple[tuple[str, int], ...]] = {}
    result = set()
    for provider_id, kinds in provider_kinds.items():
        required = required_for.get(kinds)
        if required is None:
            required = required_for[kinds] = tuple(
                (str(check_type), days) for check_type, days in strictest_intervals(kinds, policies).items())
        if required:
            checks = fresh.get(provider_id, {})
            if not all(checks.get(check_type, days + 1) <= days for check_type, days in required):
                result.add(provider_id)
    return result
