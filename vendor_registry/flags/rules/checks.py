"""Background-check rules: overdue, failed (or with a concern), and repeatedly unanswered."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, case, func, select

from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.background_checks.queries import (
    ranked_checks,
    required_check_intervals,
)
from vendor_registry.codes import CheckOutcome, CheckType, FlagRule, FlagSeverity
from vendor_registry.flags.rules import (
    IN_SCOPE_STATUSES,
    Finding,
    RuleContext,
    local_date,
)
from vendor_registry.flags.rules import gettext as _
from vendor_registry.flags.rules import text_label as label
from vendor_registry.providers.models import Provider


def _in_scope(ctx: RuleContext):
    return and_(Provider.status.in_(IN_SCOPE_STATUSES), ctx.only(Provider.id))


def required_intervals(ctx: RuleContext) -> dict[int, dict[CheckType, int]]:
    """Per in-scope provider, the check types its kinds require and the strictest interval
    among those kinds (``background_checks.queries.required_check_intervals``, one statement)."""
    in_scope = select(Provider.id).where(_in_scope(ctx))
    return {provider_id: {CheckType(check_type): interval for check_type, interval in types.items()}
            for provider_id, types in required_check_intervals(in_scope).items()}


def check_overdue(ctx: RuleContext) -> list[Finding]:
    """A required check type has no answer (pass, concern or fail) since the start of the
    Stockholm day ``interval`` days ago. An ``error`` is no answer, so it does not count."""
    needs = required_intervals(ctx)
    latest = {
        (row.provider_id, row.check_type): row.last_at
        for row in ctx.session.execute(
            select(BackgroundCheck.provider_id, BackgroundCheck.check_type,
                   func.max(BackgroundCheck.performed_at).label("last_at"))
            .join(Provider, Provider.id == BackgroundCheck.provider_id)
            .where(_in_scope(ctx), BackgroundCheck.result != CheckOutcome.ERROR)
            .group_by(BackgroundCheck.provider_id, BackgroundCheck.check_type)
        )
    }
    cutoffs = {interval: ctx.day_start_utc(ctx.days_ago(interval))
               for types in needs.values() for interval in types.values()}
    findings = []
    for provider_id, types in needs.items():
        for check_type, interval in sorted(types.items()):
            last_at = latest.get((provider_id, check_type))
            if last_at is not None:
                # SQLite's MAX() may return the stored text; normalise through the column type.
                last_at = _as_datetime(last_at)
                if last_at >= cutoffs[interval]:
                    continue
            message = (
                _("Kontrollen %(type)s har aldrig gjorts.", type=label(check_type)) if last_at is None else
                _("Kontrollen %(type)s gjordes senast %(date)s (intervall %(days)s dagar).",
                  type=label(check_type), date=local_date(last_at).isoformat(), days=interval)
            )
            findings.append(Finding(
                provider_id, FlagRule.CHECK_OVERDUE, f"check:{check_type.value}", FlagSeverity.HIGH, message,
                {"check_type": check_type.value, "interval_days": interval,
                 "last_performed_at": last_at.isoformat() if last_at else None},
            ))
    return findings


def _as_datetime(value):
    """Aware UTC, as ``UTCDateTime`` reads it; inlined because it runs once per (provider, type)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ranked_checks(ctx: RuleContext, *extra_where):
    return ranked_checks(BackgroundCheck.provider_id.in_(select(Provider.id).where(_in_scope(ctx))), *extra_where)


def check_failed(ctx: RuleContext) -> list[Finding]:
    """The latest answer of a check type is ``fail`` (critical) or ``concern`` (high). A later
    ``error`` leaves the verdict standing: a source that cannot be reached says nothing."""
    ranked = _ranked_checks(ctx, BackgroundCheck.result != CheckOutcome.ERROR)
    rows = ctx.session.execute(
        select(ranked).where(ranked.c.position == 1,
                             ranked.c.result.in_((CheckOutcome.FAIL, CheckOutcome.CONCERN)))
    ).all()
    findings = []
    for row in rows:
        failed = row.result == CheckOutcome.FAIL
        findings.append(Finding(
            row.provider_id, FlagRule.CHECK_FAILED, f"check:{row.check_type.value}",
            FlagSeverity.CRITICAL if failed else FlagSeverity.HIGH,
            (_("Kontrollen %(type)s är underkänd.", type=label(row.check_type)) if failed else
             _("Kontrollen %(type)s gav en anmärkning.", type=label(row.check_type))),
            {"check_id": row.id, "check_type": row.check_type.value, "result": row.result.value},
        ))
    return findings


def check_error(ctx: RuleContext) -> list[Finding]:
    """The latest CHECK_ERROR_STREAK automatic results of a type are all ``error``."""
    streak = ctx.setting("CHECK_ERROR_STREAK")
    ranked = _ranked_checks(ctx, BackgroundCheck.automatic.is_(True))
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
