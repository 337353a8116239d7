"""Licence rules: missing, lapsed, expiring, unverified, and disagreeing with IVO's register."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.codes import (
    CheckOutcome,
    CheckType,
    FlagRule,
    FlagSeverity,
    LicenceStatus,
)
from vendor_registry.flags.rules import (
    APPROVED_STATUSES,
    Finding,
    RuleContext,
    in_scope_anywhere,
    local_date,
)
from vendor_registry.flags.rules import gettext as _
from vendor_registry.flags.rules import text_label as label
from vendor_registry.licences.models import Licence
from vendor_registry.licences.queries import required_licences
from vendor_registry.providers.models import Provider

LAPSED_STATUSES = (LicenceStatus.REVOKED, LicenceStatus.EXPIRED)


def _in_scope(ctx: RuleContext):
    """Licences are shared facts: their flags are everybody's, for providers in scope in any
    organisation."""
    return and_(in_scope_anywhere(Provider.id), ctx.only(Provider.id))


def licence_missing(ctx: RuleContext) -> list[Finding]:
    """A provider kind needs a licence and none of that kind is valid today (two queries).
    Critical where any organisation has approved the provider, else high."""
    providers = ctx.session.execute(
        select(Provider.id, Provider.kinds, Provider.ownership,
               in_scope_anywhere(Provider.id, APPROVED_STATUSES).label("approved")).where(_in_scope(ctx))
    ).all()
    valid = ctx.session.execute(
        select(Licence.provider_id, Licence.kind, Licence.form)
        .join(Provider, Provider.id == Licence.provider_id)
        .where(_in_scope(ctx), Licence.status == LicenceStatus.VALID,
               or_(Licence.ends_on.is_(None), Licence.ends_on >= ctx.today))
    ).all()
    held = {(row.provider_id, row.kind, row.form) for row in valid}
    # Made once per distinct (kinds, ownership) and licence kind, not once per provider: the
    # providers are many, their combinations a handful.
    needs: dict[tuple, list] = {}
    messages: dict[tuple, tuple[str, dict]] = {}
    findings = []
    for provider in providers:
        combination = (tuple(provider.kinds), provider.ownership)
        required = needs.get(combination)
        if required is None:
            required = needs[combination] = required_licences(provider.kinds, provider.ownership)
        for kind, forms in required:
            if any((provider.id, kind, form) in held for form in forms):
                continue
            wording = messages.get((kind, forms))
            if wording is None:
                wording = messages[(kind, forms)] = (
                    _("Giltigt tillstånd eller anmälan (%(form)s) för %(kind)s saknas.",
                      form=str(label(forms[0])).lower(), kind=label(kind)),
                    {"licence_kind": kind.value, "forms": [f.value for f in forms]},
                )
            severity = FlagSeverity.CRITICAL if provider.approved else FlagSeverity.HIGH
            findings.append(Finding(
                provider.id, FlagRule.LICENCE_MISSING, f"licence_kind:{kind.value}", severity,
                wording[0], dict(wording[1], forms=list(wording[1]["forms"])),
            ))
    return findings


def licence_lapsed(ctx: RuleContext) -> list[Finding]:
    """A licence is revoked or expired, or its end date has passed (today is after ``ends_on``)."""
    rows = ctx.session.execute(
        select(Licence.id, Licence.provider_id, Licence.kind, Licence.status, Licence.ends_on)
        .join(Provider, Provider.id == Licence.provider_id)
        .where(_in_scope(ctx), or_(Licence.status.in_(LAPSED_STATUSES), Licence.ends_on < ctx.today))
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.LICENCE_LAPSED, f"licence:{row.id}", FlagSeverity.CRITICAL,
            _("Tillståndet för %(kind)s har upphört (%(status)s).", kind=label(row.kind),
              status=label(row.status) if row.status in LAPSED_STATUSES else _("slutdatum passerat")),
            {"licence_id": row.id, "status": row.status.value,
             "ends_on": row.ends_on.isoformat() if row.ends_on else None},
        )
        for row in rows
    ]


def licence_expiring(ctx: RuleContext) -> list[Finding]:
    """A valid licence ends within the configured days (today up to and including the limit)."""
    horizon = ctx.today + timedelta(days=ctx.setting("LICENCE_EXPIRING_DAYS"))
    rows = ctx.session.execute(
        select(Licence.id, Licence.provider_id, Licence.kind, Licence.ends_on)
        .join(Provider, Provider.id == Licence.provider_id)
        .where(_in_scope(ctx), Licence.status == LicenceStatus.VALID,
               Licence.ends_on >= ctx.today, Licence.ends_on <= horizon)
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.LICENCE_EXPIRING, f"licence:{row.id}", FlagSeverity.MEDIUM,
            _("Tillståndet för %(kind)s upphör %(date)s.", kind=label(row.kind), date=row.ends_on.isoformat()),
            {"licence_id": row.id, "ends_on": row.ends_on.isoformat(),
             "days_left": (row.ends_on - ctx.today).days},
        )
        for row in rows
    ]


def licence_unverified(ctx: RuleContext) -> list[Finding]:
    """A licence still in force was never verified, or not since the start of the Stockholm day
    LICENCE_VERIFY_DAYS ago. Lapsed licences are not asked for: licence_lapsed covers them."""
    cutoff = ctx.day_start_utc(ctx.days_ago(ctx.setting("LICENCE_VERIFY_DAYS")))
    rows = ctx.session.execute(
        select(Licence.id, Licence.provider_id, Licence.kind, Licence.last_verified_at)
        .join(Provider, Provider.id == Licence.provider_id)
        .where(_in_scope(ctx), Licence.status.not_in(LAPSED_STATUSES),
               or_(Licence.ends_on.is_(None), Licence.ends_on >= ctx.today),
               or_(Licence.last_verified_at.is_(None), Licence.last_verified_at < cutoff))
    ).all()
    findings = []
    for row in rows:
        if row.last_verified_at is None:
            message = _("Tillståndet för %(kind)s har aldrig verifierats.", kind=label(row.kind))
        else:
            message = _("Tillståndet för %(kind)s verifierades senast %(date)s.", kind=label(row.kind),
                        date=local_date(row.last_verified_at).isoformat())
        findings.append(Finding(
            row.provider_id, FlagRule.LICENCE_UNVERIFIED, f"licence:{row.id}", FlagSeverity.MEDIUM, message,
            {"licence_id": row.id,
             "last_verified_at": row.last_verified_at.isoformat() if row.last_verified_at else None},
        ))
    return findings


def licence_mismatch(ctx: RuleContext) -> list[Finding]:
    """The latest definite ``ivo_register`` check gives a status for a licence that differs from
    our record. An ``error`` result is no answer at all, so it neither raises nor clears this;
    a revocation we hold as appealed agrees with a register that still shows it revoked."""
    ranked = (
        select(BackgroundCheck.provider_id, BackgroundCheck.details,
               func.row_number().over(
                   partition_by=BackgroundCheck.provider_id,
                   order_by=(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc()),
               ).label("rn"))
        .join(Provider, Provider.id == BackgroundCheck.provider_id)
        .where(_in_scope(ctx), BackgroundCheck.check_type == CheckType.IVO_REGISTER,
               BackgroundCheck.organisation_id.is_(None),  # the register's answers are shared
               BackgroundCheck.result != CheckOutcome.ERROR)
        .subquery()
    )
    latest = ctx.session.execute(select(ranked.c.provider_id, ranked.c.details).where(ranked.c.rn == 1)).all()
    licences = ctx.session.execute(
        select(Licence.id, Licence.provider_id, Licence.kind, Licence.status)
        .join(Provider, Provider.id == Licence.provider_id).where(_in_scope(ctx))
    ).all()
    ours = {(row.provider_id, str(row.id)): row for row in licences}
    findings = []
    for provider_id, details in latest:
        answers = (details or {}).get("licences") or {}
        for licence_id, register_status in answers.items():
            row = ours.get((provider_id, str(licence_id)))
            if row is None or register_status not in LicenceStatus.__members__.values():
                continue
            if register_status in (LicenceStatus.UNKNOWN, row.status):
                continue
            if row.status is LicenceStatus.REVOCATION_APPEALED and register_status == LicenceStatus.REVOKED:
                continue  # an appeal pending: the register still showing the revocation agrees
            findings.append(Finding(
                provider_id, FlagRule.LICENCE_MISMATCH, f"licence:{row.id}", FlagSeverity.CRITICAL,
                _("IVO:s register anger %(theirs)s för tillståndet för %(kind)s, registret anger %(ours)s.",
                  theirs=label(LicenceStatus(register_status)), kind=label(row.kind), ours=label(row.status)),
                {"licence_id": row.id, "register_status": register_status, "our_status": row.status.value},
            ))
    return findings


