"""Per-provider facts for many providers at once: a fixed number of aggregate queries.

A list page, an export, matching and the API all need, for a set of provider ids, the
licence state, the unresolved flags and whether the background checks are current. Each
function here answers for the whole set with one or two statements whatever its size, so a
page of 10 and a page of 1,000 cost the same number of round trips. The set is either a list
of ids (a page: sent in chunks of ``CHUNK`` to stay under bind-parameter limits) or a SELECT
of provider ids (an export of everything a filter matches: one ``IN (subquery)``, so the
statement count does not depend on how many providers match). For a SELECT, the returned
mapping gives the default answer for ids it has no rows for.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from vendor_registry import clock
from vendor_registry.background_checks.models import BackgroundCheck, CheckPolicy
from vendor_registry.codes import CheckOutcome, FlagSeverity, FlagStatus, LicenceStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.licences.models import Licence
from vendor_registry.providers.models import Provider

CHUNK = 900
#: A flag is "open" for badges, filters and the approval rule until resolved or dismissed.
LIVE_FLAG_STATUSES = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
#: Results that make a check type not current even when recent.
FAILING_RESULTS = (CheckOutcome.FAIL, CheckOutcome.ERROR)


ProviderIds = Iterable[int] | Select


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        yield unique[start:start + CHUNK]


def _in_set(column, provider_ids: ProviderIds) -> Iterator:
    """WHERE conditions covering the set: one for a SELECT, one per chunk for a list."""
    if isinstance(provider_ids, Select):
        yield column.in_(provider_ids)
        return
    for chunk in _chunks(provider_ids):
        yield column.in_(chunk)


def _result_map(provider_ids: ProviderIds, default: Callable[[], object]) -> dict:
    """Every listed id with its default; for a SELECT, a mapping that defaults on lookup."""
    if isinstance(provider_ids, Select):
        return defaultdict(default)
    return {provider_id: default() for provider_id in provider_ids}


# --- background checks --------------------------------------------------------------------

def required_check_intervals(provider_ids: ProviderIds) -> dict[int, dict[str, int]]:
    """provider id -> {check type: interval in days} for every check type the policy requires
    for ANY of the provider's kinds; when several kinds require the same type, the strictest
    (shortest) interval applies. One statement (per chunk)."""
    kind_match = type_coerce(Provider.kinds, String).like(
        literal("%|") + type_coerce(CheckPolicy.provider_kind, String) + literal("|%")
    )
    result: dict[int, dict[str, int]] = {}
    for condition in _in_set(Provider.id, provider_ids):
        stmt = (
            select(Provider.id, CheckPolicy.check_type, func.min(CheckPolicy.interval_days))
            .join(CheckPolicy, and_(kind_match, CheckPolicy.required.is_(True)))
            .where(condition)
            .group_by(Provider.id, CheckPolicy.check_type)
        )
        for provider_id, check_type, interval in db.session.execute(stmt):
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
    for condition in _in_set(BackgroundCheck.provider_id, provider_ids):
        ranked = (
            select(
                BackgroundCheck.provider_id, BackgroundCheck.check_type, BackgroundCheck.performed_at,
                BackgroundCheck.result, BackgroundCheck.next_due_on,
                func.row_number().over(
                    partition_by=(BackgroundCheck.provider_id, BackgroundCheck.check_type),
                    order_by=(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc()),
                ).label("position"),
            )
            .where(condition)
            .subquery()
        )
        stmt = select(ranked.c.provider_id, ranked.c.check_type, ranked.c.performed_at,
                      ranked.c.result, ranked.c.next_due_on).where(ranked.c.position == 1)
        for row in db.session.execute(stmt):
            result.setdefault(row.provider_id, {})[str(row.check_type)] = LatestCheck(
                str(row.check_type), row.performed_at, CheckOutcome(row.result), row.next_due_on)
    return result


def checks_current_map(
    provider_ids: ProviderIds, *, now: datetime | None = None, latest: dict[int, dict[str, LatestCheck]] | None = None
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
    ids = provider_ids if isinstance(provider_ids, Select) else list(provider_ids)
    required = required_check_intervals(ids)
    latest = latest_checks(ids) if latest is None else latest  # a caller that has them passes them
    result = _result_map(ids, lambda: True)
    for provider_id in (required if isinstance(ids, Select) else ids):
        checks = latest.get(provider_id, {})
        result[provider_id] = all(
            (check := checks.get(check_type)) is not None
            and check.performed_at >= now - timedelta(days=interval)
            and check.result not in FAILING_RESULTS
            for check_type, interval in required.get(provider_id, {}).items()
        )
    return result


# --- flags --------------------------------------------------------------------------------

@dataclass
class FlagCounts:
    """Unresolved (open or acknowledged) flags of one provider, by severity code."""

    by_severity: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())

    @property
    def critical(self) -> int:
        return self.by_severity.get(FlagSeverity.CRITICAL.value, 0)

    def ordered(self) -> list[tuple[FlagSeverity, int]]:
        """(severity, count), most severe first, only severities present."""
        return [(s, self.by_severity[s.value]) for s in sorted(FlagSeverity, key=lambda s: -s.rank)
                if self.by_severity.get(s.value)]


def open_flag_counts(provider_ids: ProviderIds) -> dict[int, FlagCounts]:
    """provider id -> FlagCounts of its open or acknowledged flags; every id asked about is in
    the result (empty counts when none). One grouped statement (per chunk)."""
    ids = provider_ids if isinstance(provider_ids, Select) else list(provider_ids)
    result = _result_map(ids, FlagCounts)
    for condition in _in_set(Flag.provider_id, ids):
        stmt = (
            select(Flag.provider_id, Flag.severity, func.count())
            .where(condition, Flag.status.in_(LIVE_FLAG_STATUSES))
            .group_by(Flag.provider_id, Flag.severity)
        )
        for provider_id, severity, count in db.session.execute(stmt):
            result[provider_id].by_severity[str(severity)] = int(count)
    return result


# --- licences -----------------------------------------------------------------------------

class LicenceState(StrEnum):
    """A provider's licences summed up in one word, best first."""

    VALID = "valid"  # at least one licence valid today
    APPLIED = "applied"  # none valid, at least one applied for
    APPEALED = "appealed"  # none valid or applied for; a revocation is under appeal
    REVOKED = "revoked"  # none valid or pending; at least one revoked (worse than run out)
    EXPIRED = "expired"  # none valid, pending or revoked; at least one expired or past its end date
    UNKNOWN = "unknown"  # only licences of unknown status
    NONE = "none"  # no licence recorded

    @property
    def label(self) -> str:
        return str(LICENCE_STATE_LABELS[self])


LICENCE_STATE_LABELS = {
    LicenceState.VALID: _l("Giltigt tillstånd"),
    LicenceState.APPLIED: _l("Tillstånd ansökt"),
    LicenceState.APPEALED: _l("Återkallelse överklagad"),
    LicenceState.REVOKED: _l("Tillstånd återkallat"),
    LicenceState.EXPIRED: _l("Tillstånd upphört"),
    LicenceState.UNKNOWN: _l("Tillstånd okänt"),
    LicenceState.NONE: _l("Inget tillstånd"),
}


_COUNTED_STATES = (LicenceState.VALID, LicenceState.APPLIED, LicenceState.APPEALED, LicenceState.REVOKED,
                   LicenceState.EXPIRED)


def current_licence_condition(today: date | None = None):
    """SQL predicate on Licence: valid status and not past its end date."""
    today = today or clock.today()
    return and_(Licence.status == LicenceStatus.VALID, or_(Licence.ends_on.is_(None), Licence.ends_on >= today))


def licence_state_map(provider_ids: ProviderIds, *, today: date | None = None) -> dict[int, LicenceState]:
    """provider id -> LicenceState; every id asked about is in the result. One statement."""
    today = today or clock.today()
    ids = provider_ids if isinstance(provider_ids, Select) else list(provider_ids)
    result = _result_map(ids, lambda: LicenceState.NONE)

    def count_where(condition) -> object:
        return func.sum(case((condition, 1), else_=0))

    expired = or_(Licence.status == LicenceStatus.EXPIRED,
                  and_(Licence.status == LicenceStatus.VALID, Licence.ends_on < today))
    for condition in _in_set(Licence.provider_id, ids):
        stmt = (
            select(Licence.provider_id, count_where(current_licence_condition(today)),
                   count_where(Licence.status == LicenceStatus.APPLIED),
                   count_where(Licence.status == LicenceStatus.REVOCATION_APPEALED),
                   count_where(Licence.status == LicenceStatus.REVOKED), count_where(expired), func.count())
            .where(condition)
            .group_by(Licence.provider_id)
        )
        for provider_id, *counts, total in db.session.execute(stmt):
            # The first state with a licence in it, in the enum's order (best first).
            found = next((state for state, n in zip(_COUNTED_STATES, counts, strict=True) if n), None)
            if found is not None:
                result[provider_id] = found
            elif total:
                result[provider_id] = LicenceState.UNKNOWN
    return result


@dataclass
class RowFacts:
    """What a list row or an export line shows beside the provider's own columns."""

    licence: dict[int, LicenceState]
    flags: dict[int, FlagCounts]
    checks_current: dict[int, bool]


def row_facts(providers: Sequence[Provider]) -> RowFacts:
    ids = [p.id for p in providers]
    return RowFacts(licence_state_map(ids), open_flag_counts(ids), checks_current_map(ids))
