"""Background-check rules: overdue, failed (or with a concern), and repeatedly unanswered."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    String,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
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
    # One grouped outer join, not a correlated MAX: SQLite copies a correlated subquery into
    # every place the outer query names it, and ran it three times per row.
    last_at = func.max(BackgroundCheck.performed_at)
    rows = ctx.session.execute(
        # Plain values: _as_datetime parses SQLite's text in C, not through the column type.
        select(judged.c.provider_id, type_coerce(judged.c.check_type, String), judged.c.interval, judged.c.judge,
               type_coerce(last_at, String).label("last_at"))
        .outerjoin(BackgroundCheck, and_(
            BackgroundCheck.provider_id == judged.c.provider_id, BackgroundCheck.check_type == judged.c.check_type,
            BackgroundCheck.result != CheckOutcome.ERROR,
            or_(BackgroundCheck.organisation_id.is_(None), BackgroundCheck.organisation_id == judged.c.judge)))
        .group_by(judged.c.provider_id, judged.c.check_type, judged.c.interval, judged.c.judge)
        .having(or_(last_at.is_(None), last_at < cutoff))
    ).all()
    # 100,000 overdue rows on sweep_bench's random data: each distinct message is made once.
    messages: dict[tuple, str] = {}
    findings = []
    types = {check_type.value: check_type for check_type in CheckType}
    for provider_id, check_type, interval, judge, last_at in rows:
        check_type, last = types[check_type], _as_datetime(last_at)
        day = None if last is None else local_date(last)
        message = messages.get((check_type, day, interval))
        if message is None:
            message = messages[(check_type, day, interval)] = (
                _("Kontrollen %(type)s har aldrig gjorts.", type=label(check_type)) if day is None else
                _("Kontrollen %(type)s gjordes senast %(date)s (intervall %(days)s dagar).",
                  type=label(check_type), date=day.isoformat(), days=interval)
            )
        findings.append(Finding(
            provider_id, FlagRule.CHECK_OVERDUE, f"check:{check_type.value}", FlagSeverity.HIGH, message,
            {"check_type": check_type.value, "interval_days": interval,
             "last_performed_at": last.isoformat() if last else None},
            judge,
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
    organisation with the provider in scope, the latest of its own answers and the shared ones.

    Judged in the database, which returns only the latest answers that failed or raised a
    concern: read into Python, every provider's latest answers were a second of the check
    sweep (issue 15)."""
    manual = [t for t in CheckType if not t.automatic]
    verdicts = (CheckOutcome.FAIL, CheckOutcome.CONCERN)
    # Only a provider with some failed or concerned answer can have one as its latest: ranking
    # every answer of every provider was most of the statement's time on the demo data.
    suspect = select(BackgroundCheck.provider_id).where(BackgroundCheck.result.in_(verdicts),
                                                        ctx.only(BackgroundCheck.provider_id))
    answered = and_(BackgroundCheck.result != CheckOutcome.ERROR, BackgroundCheck.provider_id.in_(suspect))
    # Each answer under the judges it speaks to: a shared automatic answer to everybody (None);
    # a manual answer, shared or an organisation's own, to each organisation that has the
    # provider in scope and may read it (its own, and the shared ones).
    candidates = union_all(
        select(BackgroundCheck.id, BackgroundCheck.provider_id, BackgroundCheck.check_type,
               BackgroundCheck.performed_at, BackgroundCheck.result, null().label("judge"))
        .where(answered, BackgroundCheck.check_type.not_in(manual), BackgroundCheck.organisation_id.is_(None),
               BackgroundCheck.provider_id.in_(select(Provider.id).where(_in_scope(ctx)))),
        select(BackgroundCheck.id, BackgroundCheck.provider_id, BackgroundCheck.check_type,
               BackgroundCheck.performed_at, BackgroundCheck.result, ProviderApproval.organisation_id)
        .join(ProviderApproval, and_(
            ProviderApproval.provider_id == BackgroundCheck.provider_id,
            ProviderApproval.status.in_(IN_SCOPE_STATUSES),
            or_(BackgroundCheck.organisation_id.is_(None),
                BackgroundCheck.organisation_id == ProviderApproval.organisation_id)))
        .where(answered, BackgroundCheck.check_type.in_(manual), ctx.only(BackgroundCheck.provider_id)),
    ).subquery("candidates")
    ranked = select(
        candidates,
        func.row_number().over(
            partition_by=(candidates.c.provider_id, candidates.c.check_type, candidates.c.judge),
            order_by=(candidates.c.performed_at.desc(), candidates.c.id.desc()),
        ).label("position"),
    ).subquery("ranked")
    rows = ctx.session.execute(
        select(ranked.c.id, ranked.c.provider_id, type_coerce(ranked.c.check_type, String),
               type_coerce(ranked.c.result, String), ranked.c.judge)
        .where(ranked.c.position == 1,
               ranked.c.result.in_(verdicts))
    ).all()
    findings = []
    for check_id, provider_id, check_type, result, judge in rows:
        check_type = CheckType(check_type)
        failed = result == CheckOutcome.FAIL.value
        findings.append(Finding(
            provider_id, FlagRule.CHECK_FAILED, f"check:{check_type.value}",
            FlagSeverity.CRITICAL if failed else FlagSeverity.HIGH,
            (_("Kontrollen %(type)s är underkänd.", type=label(check_type)) if failed else
             _("Kontrollen %(type)s gav en anmärkning.", type=label(check_type))),
            {"check_id": check_id, "check_type": check_type.value, "result": result},
            judge,
        ))
    return findings


def check_error(ctx: RuleContext) -> list[Finding]:
    """The latest CHECK_ERROR_STREAK automatic (shared) results of a type are all ``error``."""
    streak = ctx.setting("CHECK_ERROR_STREAK")
    # Only a provider with an unanswered automatic check can have a streak of them: ranking
    # every provider's answers was most of the statement on the demo data.
    erring = select(BackgroundCheck.provider_id).where(
        BackgroundCheck.result == CheckOutcome.ERROR, BackgroundCheck.automatic.is_(True),
        BackgroundCheck.organisation_id.is_(None), ctx.only(BackgroundCheck.provider_id))
    ranked = ranked_checks(BackgroundCheck.provider_id.in_(select(Provider.id).where(_in_scope(ctx))),
                           BackgroundCheck.provider_id.in_(erring),
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
