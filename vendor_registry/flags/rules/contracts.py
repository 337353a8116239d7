"""Certification and contract rules: dates that have passed or are near."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from vendor_registry.codes import FlagRule, FlagSeverity
from vendor_registry.contracts.models import Contract
from vendor_registry.flags.rules import (
    APPROVED_STATUSES,
    IN_SCOPE_STATUSES,
    Finding,
    RuleContext,
    in_scope_anywhere,
    local_date,
    own_approval,
)
from vendor_registry.flags.rules import gettext as _
from vendor_registry.methods.models import Method, ProviderMethod
from vendor_registry.providers.models import ProviderApproval


def certification_expired(ctx: RuleContext) -> list[Finding]:
    """An offered method's certification end date has passed (today is after it). A shared
    fact: one flag for everybody, for providers in scope in any organisation."""
    rows = ctx.session.execute(
        select(ProviderMethod.provider_id, ProviderMethod.method_id, ProviderMethod.certification_ends_on,
               Method.name)
        .join(Method, Method.id == ProviderMethod.method_id)
        .where(in_scope_anywhere(ProviderMethod.provider_id), ctx.only(ProviderMethod.provider_id),
               ProviderMethod.certification_ends_on < ctx.today)
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.CERTIFICATION_EXPIRED, f"method:{row.method_id}", FlagSeverity.MEDIUM,
            _("Certifieringen för %(method)s gick ut %(date)s.", method=row.name,
              date=row.certification_ends_on.isoformat()),
            {"method_id": row.method_id, "certification_ends_on": row.certification_ends_on.isoformat()},
        )
        for row in rows
    ]


def contract_expiring(ctx: RuleContext) -> list[Finding]:
    """A contract ends within CONTRACT_EXPIRING_DAYS (today up to and including the limit): the
    contract's organisation's own flag, where that organisation has the provider in scope."""
    horizon = ctx.today + timedelta(days=ctx.setting("CONTRACT_EXPIRING_DAYS"))
    rows = ctx.session.execute(
        select(Contract.id, Contract.provider_id, Contract.organisation_id, Contract.reference, Contract.ends_on)
        .join(ProviderApproval, own_approval(Contract))
        .where(ProviderApproval.status.in_(IN_SCOPE_STATUSES), ctx.only(Contract.provider_id),
               Contract.ends_on >= ctx.today, Contract.ends_on <= horizon)
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.CONTRACT_EXPIRING, f"contract:{row.id}", FlagSeverity.LOW,
            _("Avtalet %(ref)s löper ut %(date)s.", ref=row.reference, date=row.ends_on.isoformat()),
            {"contract_id": row.id, "ends_on": row.ends_on.isoformat(), "days_left": (row.ends_on - ctx.today).days},
            row.organisation_id,
        )
        for row in rows
    ]


def contract_expired(ctx: RuleContext) -> list[Finding]:
    """A contract has ended (today is after its end date) during the provider's current approval:
    the provider is approved and the contract ended on or after the approval date. Contracts that
    ended before the approval began are history, not a deviation. Approval and contract are the
    same organisation's."""
    rows = ctx.session.execute(
        select(Contract.id, Contract.provider_id, Contract.organisation_id, Contract.reference, Contract.ends_on,
               ProviderApproval.approved_at)
        .join(ProviderApproval, own_approval(Contract))
        .where(ProviderApproval.status.in_(APPROVED_STATUSES), ctx.only(Contract.provider_id),
               Contract.ends_on < ctx.today)
    ).all()
    return [
        Finding(
            row.provider_id, FlagRule.CONTRACT_EXPIRED, f"contract:{row.id}", FlagSeverity.MEDIUM,
            _("Avtalet %(ref)s löpte ut %(date)s men utföraren är fortfarande godkänd.",
              ref=row.reference, date=row.ends_on.isoformat()),
            {"contract_id": row.id, "ends_on": row.ends_on.isoformat()},
            row.organisation_id,
        )
        for row in rows
        if row.approved_at is None or row.ends_on >= local_date(row.approved_at)
    ]
