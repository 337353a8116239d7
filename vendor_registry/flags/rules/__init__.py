"""The flag rules of DOMAIN.md §4: each computes, for all providers at once, what holds now.

A rule is a plain function ``(ctx) -> list[Finding]``. It never writes: ``reconcile.py``
turns the set of findings into raised, refreshed and resolved flags. Every rule answers with a
fixed number of set-based queries, so a sweep costs the same number of statements for ten
providers as for ten thousand.

Organisations (issue 14): a rule over shared facts (licences, register checks, certifications)
raises one flag per condition for everybody (``Finding.organisation_id`` None); its scope and
severity use the provider's approval in ANY organisation (``in_scope_anywhere``), so nobody's
critical flag is lost because another organisation never decided. A rule over an organisation's
own records (contracts, reviews, manual checks) raises that organisation's own flag, judged by
its own approval; it reads every organisation's records in the same few statements, so a sweep
costs the same whatever the number of providers and of organisations.

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
from vendor_registry.idsets import among

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
    #: None: a shared flag, seen by every organisation; else the organisation's own flag.
    organisation_id: int | None = None

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.organisation_id or 0, self.provider_id, self.subject_key)


@dataclass(frozen=True)
class RuleContext:
    """What a rule needs: the session, "today" in Stockholm (injectable), and the thresholds.

    ``provider_ids`` narrows every rule to those providers (the refresh after a write); ``None``
    is the sweep over all of them. The narrowing is one ``IN`` (``idsets.among``) per query, so a scoped
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
        return among(column, self.provider_ids, self.session.get_bind().dialect.name)

    def setting(self, name: str) -> int:
        return int(self.settings[name])

    def day_start_utc(self, day: date) -> datetime:
        """The first instant of a Stockholm calendar day, as aware UTC (for timestamp columns)."""
        return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)




local_date = clock.local_date


def in_scope_anywhere(provider_id: Any, statuses: tuple[ProviderStatus, ...] = IN_SCOPE_STATUSES) -> Any:
    """The provider (``provider_id``, a column) has one of ``statuses`` in ANY organisation: the
    scope of the rules over shared facts (an EXISTS on provider_approvals)."""
    from sqlalchemy import exists

    from vendor_registry.providers.models import ProviderApproval

    return exists().where(ProviderApproval.provider_id == provider_id, ProviderApproval.status.in_(statuses))


def own_approval(record: Any) -> Any:
    """The join from an organisation's own record (with ``provider_id`` and ``organisation_id``)
    to that organisation's approval of the provider: the scope of the own rules."""
    from sqlalchemy import and_

    from vendor_registry.providers.models import ProviderApproval

    return and_(ProviderApproval.provider_id == record.provider_id,
                ProviderApproval.organisation_id == record.organisation_id)


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
