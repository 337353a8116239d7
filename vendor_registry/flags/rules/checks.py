"""Background-check rules: overdue, failed (or with a concern), and repeatedly unanswered."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from vendor_registry.background_checks.models import BackgroundCheck, CheckPolicy
from vendor_registry.background_checks.queries import ranked_checks, required_checks
from vendor_registry.codes import CheckOutcome, CheckType, FlagRule, FlagSeverity
from vendor_registry.database import UTCDateTime
from vendor_registry.flags.rules import (
    IN_SCOPE_STATUSES,
    Finding,
    RuleContext,
    in_scope_anywhere,
    local_date,
)
from vendor_registry.flags.rules import gettext as _
from vendor_registry.flags.rules import text_label as label
from vendor_registry.providers.models import Provider, ProviderApproval


def _in_scope(ctx: RuleContext):
    return and_(in_scope_anywhere(Provider.id), ctx.only(Provider.id))


def _judges(ctx: RuleContext, needs: dict[int, dict[CheckType, int]]) -> dict[int, list[int | None]]:
    """Per provider, who judges its checks: None (everybody) for the automatic types, from the
    shared register answers; and each organisation that has the provider in scope for the
    manual types, from its own checks and the shared ones (one statement)."""
    orgs: dict[int, list[int | None]] = {provider_id: [] for provider_id in needs}
    rows = ctx.session.execute(
        select(ProviderApproval.provider_id, ProviderApproval.organisation_id)
        .where(ProviderApproval.status.in_(IN_SCOPE_STATUSES), ctx.only(ProviderApproval.provider_id))
        .order_by(ProviderApproval.organisation_id)
    )
    for provider_id, organisation_id in rows:
        if provider_id in orgs:
            orgs[provider_id].append(organisation_id)
    return orgs


def check_overdue(ctx: RuleContext) -> list[Finding]:
    """A required check type has no answer (pass, concern or fail) since the start of the
    Stockholm day ``interval`` days ago. An ``error`` is no answer, so it does not count.
    Automatic types: one shared flag, from the shared answers. Manual types: each organisation's
    own flag, from its own answers and the shared ones.

    Judged in the database, which returns only what is overdue: read into Python, the latest
    answer of every provider, type and organisation (131,000 rows for the demo's 20,000
    providers) took two of the check sweep's four seconds (issue 15)."""
    intervals = sorted(set(ctx.session.scalars(select(CheckPolicy.interval_days).where(CheckPolicy.required.is_(True)))))
    if not intervals:
        return []
    needs = required_checks(_in_scope(ctx)).subquery("needs")
    manual = [t for t in CheckType if not t.automatic]
    # Who judges each need: everybody (no organisation) for an automatic type; for a manual
    # type, every organisation that has the provider in scope.
    judged = union_all(
        select(needs.c.provider_id, needs.c.check_type, needs.c.interval, null().label("judge"))
        .where(needs.c.check_type.not_in(manual)),
        select(needs.c.provider_id, needs.c.check_type, needs.c.interval, ProviderApproval.organisation_id)
        .join(ProviderApproval, and_(ProviderApproval.provider_id == needs.c.provider_id,
                                     ProviderApproval.status.in_(IN_SCOPE_STATUSES)))
        .where(needs.c.check_type.in_(manual)),
    ).subquery("judged")
    cutoff = case({interval: literal(ctx.day_start_utc(ctx.days_ago(interval)), UTCDateTime())
                   for interval in intervals}, value=judged.c.interval)
    last_at = (
        select(func.max(BackgroundCheck.performed_at))
        .where(BackgroundCheck.provider_id == judged.c.provider_id, BackgroundCheck.check_type == judged.c.check_type,
               BackgroundCheck.result != CheckOutcome.ERROR,
               or_(BackgroundCheck.organisation_id.is_(None), BackgroundCheck.organisation_id == judged.c.judge))
        .correlate(judged).scalar_subquery()
    )
    latest = select(judged.c.provider_id, judged.c.check_type, judged.c.interval, judged.c.judge,
                    last_at.label("last_at"), cutoff.label("cutoff")).subquery("latest")
    rows = ctx.session.execute(
        select(latest).where(or_(latest.c.last_at.is_(None), latest.c.last_at < latest.c.cutoff))
    ).all()
    findings = []
    for row in rows:
        check_type, last = CheckType(row.check_type), _as_datetime(row.last_at)
        message = (
            _("Kontrollen %(type)s har aldrig gjorts.", type=label(check_type)) if last is None else
            _("Kontrollen %(type)s gjordes senast %(date)s (intervall %(days)s dagar).",
              type=label(check_type), date=local_date(last).isoformat(), days=row.interval)
        )
        findings.append(Finding(
            row.provider_id, FlagRule.CHECK_OVERDUE, f"check:{check_type.value}", FlagSeverity.HIGH, message,
            {"check_type": check_type.value, "interval_days": row.interval,
             "last_performed_at": last.isoformat() if last else None},
            row.judge,
        ))
    return findings


def _as_datetime(value):
    """Aware UTC, as ``UTCDateTime`` reads it (SQLite's MAX() may return the stored text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_failed(ctx: RuleContext) -> list[Finding]:
    """The latest answer of a check type is ``fail`` (critical) or ``concern`` (high). A later
    ``error`` leaves the verdict standing: a source that cannot be reached says nothing.
    Automatic types: the latest shared answer, one flag for everybody. Manual types: per
    organisation with the provider in scope, the latest of its own answers and the shared ones."""
    ranked = (
        select(BackgroundCheck.id, BackgroundCheck.provider_id, BackgroundCheck.check_type,
               BackgroundCheck.organisation_id, BackgroundCheck.performed_at, BackgroundCheck.result,
               func.row_number().over(
                   partition_by=(BackgroundCheck.provider_id, BackgroundCheck.check_type,
                                 BackgroundCheck.organisation_id),
                   order_by=(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc()),
               ).label("position"))
        .where(BackgroundCheck.provider_id.in_(select(Provider.id).where(_in_scope(ctx))),
               BackgroundCheck.result != CheckOutcome.ERROR)
        .subquery()
    )
    latest: dict[tuple[int, str, int | None], Any] = {
        (row.provider_id, row.check_type, row.organisation_id): row
        for row in ctx.session.execute(select(ranked).where(ranked.c.position == 1))
    }
    judges = _judges(ctx, {provider_id: {} for provider_id, _type, _org in latest})
    findings = []
    for (provider_id, check_type, organisation_id), row in latest.items():
        if check_type.automatic:
            if organisation_id is not None:
                continue  # an organisation's own entry of a register check is not a shared fact
            candidates = [(None, row)]
        elif organisation_id is None:  # a shared manual answer: each judging organisation's latest
            candidates = [(org, row) for org in judges[provider_id]
                          if _newer(row, latest.get((provider_id, check_type, org)))]
        else:
            if organisation_id not in judges[provider_id]:
                continue
            candidates = [(organisation_id, row)] if _newer(row, latest.get((provider_id, check_type, None))) else []
        for judge, answer in candidates:
            if answer.result not in (CheckOutcome.FAIL, CheckOutcome.CONCERN):
                continue
            failed = answer.result == CheckOutcome.FAIL
            findings.append(Finding(
                provider_id, FlagRule.CHECK_FAILED, f"check:{check_type.value}",
                FlagSeverity.CRITICAL if failed else FlagSeverity.HIGH,
                (_("Kontrollen %(type)s är underkänd.", type=label(check_type)) if failed else
                 _("Kontrollen %(type)s gav en anmärkning.", type=label(check_type))),
                {"check_id": answer.id, "check_type": check_type.value, "result": answer.result.value},
                judge,
            ))
    return findings


def _newer(row: Any, other: Any) -> bool:
    """``row`` is the later answer of the two (``other`` may be None)."""
    return other is None or (_as_datetime(row.performed_at), row.id) > (_as_datetime(other.performed_at), other.id)


def check_error(ctx: RuleContext) -> list[Finding]:
    """The latest CHECK_ERROR_STREAK automatic (shared) results of a type are all ``error``."""
    streak = ctx.setting("CHECK_ERROR_STREAK")
    ranked = ranked_checks(BackgroundCheck.provider_id.in_(select(Provider.id).where(_in_scope(ctx))),
                           BackgroundCheck.automatic.is_(True), BackgroundCheck.organisation_id.is_(None))
    errors = func.sum(case((ranked.c.result == CheckOutcome.ERROR, 1), else_=0))
    rows = ctx.session.execute(
        select(ranked.c.provider_id, ranked.c.check_type, func.count().label("n"), errors.label("errors"))
        .where(ranked.c.position <= streak)
        .group_by(ranked.c.provider_id, ranked.c.check_type)
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.CHECK_ERROR, f"check:{row.check_type.value}", FlagSeverity.MEDIUM,
            _("Den automatiska kontrollen %(type)s har inte fått svar %(n)s gånger i rad.",
              type=label(row.check_type), n=streak),
            {"check_type": row.check_type.value, "streak": streak},
        )
        for row in rows
        if row.n == streak and int(row.errors or 0) == streak
    ]
