"""The flag rules of DOMAIN.md §4: each computes, for all providers at once, what holds now.

A rule is a plain function ``(ctx) -> list[Finding]``. It never writes: ``reconcile.py``
turns the set of findings into raised, refreshed and resolved flags. Every rule answers with a
fixed number of set-based queries, so a sweep costs the same number of statements for ten
providers as for ten thousand.

Scope: providers that are ``inactive`` or ``rejected`` are out of the registry's active
supply and raise nothing. ``draft`` providers are excluded too: a draft is a record still being
typed in by a procurement officer, and flags on half-entered data would only be noise in the
supervisors' queue. Flags start once the provider is submitted (``under_review``) and continue
while ``approved``, ``conditionally_approved`` or ``suspended``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import true
from sqlalchemy.orm import Session

from vendor_registry import clock
from vendor_registry.codes import FlagRule, FlagSeverity, JobName, ProviderStatus
from vendor_registry.i18n import gettext, remembered_translations  # noqa: F401  (the rules' ``_``)

STOCKHOLM = clock.STOCKHOLM

#: Statuses whose providers the rules look at (see the module docstring for drafts).
IN_SCOPE_STATUSES = (
    ProviderStatus.UNDER_REVIEW,
    ProviderStatus.APPROVED,
    ProviderStatus.CONDITIONALLY_APPROVED,
    ProviderStatus.SUSPENDED,
)
APPROVED_STATUSES = (ProviderStatus.APPROVED, ProviderStatus.CONDITIONALLY_APPROVED)


@dataclass(frozen=True)
class Finding:
    """One condition that holds now: at most one live flag exists per (provider, rule, subject)."""

    provider_id: int
    rule: FlagRule
    subject_key: str
    severity: FlagSeverity
    message: str
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> tuple[int, str]:
        return (self.provider_id, self.subject_key)


@dataclass(frozen=True)
class RuleContext:
    """What a rule needs: the session, "today" in Stockholm (injectable), and the thresholds.

    ``provider_ids`` narrows every rule to those providers (the refresh after a write); ``None``
    is the sweep over all of them. The narrowing is one ``IN`` clause per query, so a scoped
    run costs the same number of statements however many providers the registry holds.
    """

    session: Session
    today: date
    settings: Mapping[str, Any]
    provider_ids: frozenset[int] | None = None

    def only(self, column: Any) -> Any:
        """The scope as a WHERE clause on ``column`` (a provider id column); always true in a sweep."""
        if self.provider_ids is None:
            return true()
        return column.in_(sorted(self.provider_ids))

    def setting(self, name: str) -> int:
        return int(self.settings[name])

    def day_start_utc(self, day: date) -> datetime:
        """The first instant of a Stockholm calendar day, as aware UTC (for timestamp columns)."""
        return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)




local_date = clock.local_date


RuleFunction = Callable[[RuleContext], list[Finding]]

def text_label(code: Any) -> str:
    """The display name of a code as plain text. labels.py caches it per language, but finding
    that language costs a Flask-Babel context look-up; inside a sweep's
    ``remembered_translations`` the text is made once per code, not once per finding."""
    from vendor_registry.i18n import remembered
    from vendor_registry.labels import label

    return remembered(("label", type(code).__name__, str(code)), lambda: str(label(code)))


def rules_by_job() -> dict[JobName, dict[FlagRule, RuleFunction]]:
    """Which sweep runs which rules (imported lazily: the rule modules import the models)."""
    from vendor_registry.flags.rules import checks, contracts, licences, reviews

    return {
        JobName.LICENCE_SWEEP: {
            FlagRule.LICENCE_MISSING: licences.licence_missing,
            FlagRule.LICENCE_LAPSED: licences.licence_lapsed,
            FlagRule.LICENCE_EXPIRING: licences.licence_expiring,
            FlagRule.LICENCE_UNVERIFIED: licences.licence_unverified,
            FlagRule.LICENCE_MISMATCH: licences.licence_mismatch,
        },
        JobName.CHECK_SWEEP: {
            FlagRule.CHECK_OVERDUE: checks.check_overdue,
            FlagRule.CHECK_FAILED: checks.check_failed,
            FlagRule.CHECK_ERROR: checks.check_error,
        },
        JobName.REVIEW_SWEEP: {
            FlagRule.REVIEW_MISSING: reviews.review_missing,
            FlagRule.REVIEW_OVERDUE: reviews.review_overdue,
            FlagRule.REVIEW_ACTIONS_OVERDUE: reviews.review_actions_overdue,
        },
        JobName.CERTIFICATION_SWEEP: {
            FlagRule.CERTIFICATION_EXPIRED: contracts.certification_expired,
        },
        JobName.CONTRACT_SWEEP: {
            FlagRule.CONTRACT_EXPIRING: contracts.contract_expiring,
            FlagRule.CONTRACT_EXPIRED: contracts.contract_expired,
        },
    }


def all_rules() -> dict[FlagRule, RuleFunction]:
    merged: dict[FlagRule, RuleFunction] = {}
    for rules in rules_by_job().values():
        merged.update(rules)
    return merged
