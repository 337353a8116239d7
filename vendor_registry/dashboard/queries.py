"""Reads behind the role start pages and the short lists they link to.

Every number on a start page is the row count of the very query that the linked list shows
(``count_rows`` wraps that query), so a number can never disagree with the list one click away.
Lists that had no page of their own (licences and contracts ending soon, checks due) get one
here, built on the same functions. Each read is one aggregate statement, whatever the number
of providers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from vendor_registry import clock
from vendor_registry.auth.models import ApiToken, User
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.background_checks.queries import _latest_checks_subquery
from vendor_registry.codes import (
    LIVE_FLAG_STATUSES,
    CheckType,
    FlagSeverity,
    LicenceStatus,
    ProviderStatus,
    Role,
)
from vendor_registry.contracts.models import Contract
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.flags.queries import FlagFilters, flag_query
from vendor_registry.flags.rules import APPROVED_STATUSES, IN_SCOPE_STATUSES
from vendor_registry.licences.models import Licence
from vendor_registry.providers.models import Provider
from vendor_registry.standing.listing import ProviderFilters, provider_query

URGENT = (FlagSeverity.CRITICAL, FlagSeverity.HIGH)
LICENCE_DAYS = 60
CONTRACT_DAYS = 90
TOKEN_DAYS = 30
WHAT_ENDS = ("licences", "contracts")


def count_rows(stmt: Select) -> int:
    """The number of rows ``stmt`` lists (one statement; the ordering is dropped)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def rows_of(stmt: Select) -> list[tuple]:
    """The rows a list page shows for ``stmt`` (the same statement its count wraps)."""
    return [tuple(row) for row in db.session.execute(stmt)]


# --- links shared by several roles: (filter arguments for the list page, count) ----------------

@dataclass
class Tile:
    """A number on a start page and the filtered list it opens."""

    label: Any
    count: int
    endpoint: str
    args: dict[str, Any]


def flag_tile(label: Any, user_id: int | None = None, **filter_args: Any) -> Tile:
    filters = FlagFilters.from_args(filter_args)
    return Tile(label, count_rows(flag_query(filters, user_id)), "flags.index", filters.to_args())


def provider_tile(label: Any, **filter_args: Any) -> Tile:
    from werkzeug.datastructures import MultiDict

    args = MultiDict([(k, v) for k, values in filter_args.items()
                      for v in (values if isinstance(values, list | tuple) else [values])])
    filters = ProviderFilters.from_args(args)
    return Tile(label, count_rows(provider_query(filters)), "providers.index", filters.to_args())


def approved_with_critical_args() -> dict[str, Any]:
    return {"status": [s.value for s in APPROVED_STATUSES], "critical_flag": "yes"}


def urgent_flags_for(user_id: int, limit: int = 10) -> list[Flag]:
    """Open or acknowledged critical/high flags assigned to this person or to nobody, oldest
    first: what a supervisor should take on next. The provider is loaded in the same statement."""
    stmt = (select(Flag).where(Flag.view_status.in_(LIVE_FLAG_STATUSES), Flag.severity.in_(URGENT),
                               or_(Flag.view_assignee_id == user_id, Flag.view_assignee_id.is_(None)))
            .options(joinedload(Flag.provider)).order_by(Flag.raised_at.asc(), Flag.id.asc()).limit(limit))
    return list(db.session.scalars(stmt))


# --- things ending soon and checks due ---------------------------------------------------------

def ending_query(what: str, days: int, today: date | None = None) -> Select:
    """Valid licences or contracts of providers still in play that end within ``days`` days."""
    today = today or clock.today()
    last = today + timedelta(days=days)
    if what == "licences":
        return (select(Licence, Provider).join(Provider, Provider.id == Licence.provider_id)
                .where(Provider.status.in_(IN_SCOPE_STATUSES), Licence.status == LicenceStatus.VALID,
                       Licence.ends_on >= today, Licence.ends_on <= last)
                .order_by(Licence.ends_on, Provider.name, Licence.id))
    return (select(Contract, Provider).join(Provider, Provider.id == Contract.provider_id)
            .where(Provider.status.in_(IN_SCOPE_STATUSES), Contract.ends_on >= today, Contract.ends_on <= last)
            .order_by(Contract.ends_on, Provider.name, Contract.id))


def month_end(today: date) -> date:
    first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next - timedelta(days=1)


def checks_due_query(until: date) -> Select:
    """The latest check of each (provider, type) whose next due date is on or before ``until``
    (overdue ones included), for providers still checked. One statement with a window function."""
    latest = _latest_checks_subquery()
    return (select(BackgroundCheck, Provider)
            .join(latest, latest.c.id == BackgroundCheck.id)
            .join(Provider, Provider.id == BackgroundCheck.provider_id)
            .where(Provider.status.in_(IN_SCOPE_STATUSES), BackgroundCheck.next_due_on.is_not(None),
                   BackgroundCheck.next_due_on <= until)
            .order_by(BackgroundCheck.next_due_on, Provider.name, BackgroundCheck.id))


def last_ivo_extract() -> dict[str, Any] | None:
    """When an IVO register extract was last applied, by whom, and for how many providers."""
    # An applied extract is a manual IVO register check whose details name the extract; the
    # indexed type and the manual flag narrow the rows before the JSON is read (at national scale
    # reading every check's JSON took 0.3 s of the start page).
    from_extract = (BackgroundCheck.check_type == CheckType.IVO_REGISTER, BackgroundCheck.automatic.is_(False),
                    BackgroundCheck.details["source"].as_string() == "ivo_extract")
    row = db.session.execute(
        select(BackgroundCheck.performed_at, BackgroundCheck.performed_by_label,
               BackgroundCheck.evidence_document_id)
        .where(*from_extract).order_by(BackgroundCheck.performed_at.desc(), BackgroundCheck.id.desc())
        .limit(1)).first()
    if row is None:
        return None
    providers = db.session.scalar(select(func.count(func.distinct(BackgroundCheck.provider_id))).where(
        *from_extract, BackgroundCheck.evidence_document_id == row.evidence_document_id)) or 0
    return {"at": row.performed_at, "by": row.performed_by_label, "providers": providers}


# --- per role ----------------------------------------------------------------------------------

def supervisor_page(user_id: int) -> dict[str, Any]:
    from flask_babel import lazy_gettext as _l

    from vendor_registry.labels import label

    cells = {(sev, who): flag_tile(label(sev), user_id, severity=sev.value, assignee=who)
             for sev in URGENT for who in ("me", "none")}
    critical_approved = provider_tile(_l("Godkända med kritisk avvikelse"), **approved_with_critical_args())
    return {
        "cells": cells,
        "urgent": urgent_flags_for(user_id),
        "critical_approved": critical_approved,
        "critical_approved_rows": list(db.session.scalars(
            provider_query(ProviderFilters(statuses=[s.value for s in APPROVED_STATUSES],
                                           has_critical_flag=True)).limit(10))),
        "overdue_checks": flag_tile(_l("Kontroller försenade"), user_id, rule="check_overdue"),
        "approvals": provider_tile(_l("Väntar på beslut"), status=ProviderStatus.UNDER_REVIEW.value),
        "licences": ending_tile("licences", LICENCE_DAYS),
        "contracts": ending_tile("contracts", CONTRACT_DAYS),
    }


def ending_tile(what: str, days: int) -> Tile:
    from flask_babel import lazy_gettext as _l

    text = (_l("Tillstånd som upphör inom %(days)s dagar", days=days) if what == "licences"
            else _l("Avtal som löper ut inom %(days)s dagar", days=days))
    return Tile(text, count_rows(ending_query(what, days)), "dashboard.ending", {"what": what, "days": days})


def procurement_page(user_id: int) -> dict[str, Any]:
    from flask_babel import lazy_gettext as _l

    today = clock.today()
    until = month_end(today)
    return {
        "drafts": provider_tile(_l("Utkast att göra klara"), status=ProviderStatus.DRAFT.value),
        "under_review": provider_tile(_l("Under granskning"), status=ProviderStatus.UNDER_REVIEW.value),
        "review_actions": flag_tile(_l("Åtgärder från uppföljningar som är försenade"), user_id,
                                    rule="review_actions_overdue"),
        "checks_due": Tile(_l("Kontroller som förfaller denna månad"), count_rows(checks_due_query(until)),
                           "dashboard.checks_due", {}),
        "month_end": until,
        "contracts": ending_tile("contracts", CONTRACT_DAYS),
        "licences": ending_tile("licences", LICENCE_DAYS),
        "ivo_extract": last_ivo_extract(),
    }


def social_worker_page() -> dict[str, Any]:
    from flask_babel import lazy_gettext as _l

    return {"approved": provider_tile(_l("Godkända utförare att välja bland"),
                                      status=[s.value for s in APPROVED_STATUSES])}


def recent_providers(ids: list[int]) -> list[Provider]:
    """The providers this person last opened or compared, most recent first (one statement)."""
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(Provider).where(Provider.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def admin_page(now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    config = current_app.config
    sources = {
        "IVO_REGISTER_URL": bool(config.get("IVO_REGISTER_URL")),
        "BOLAGSVERKET_API_URL": bool(config.get("BOLAGSVERKET_API_URL") and config.get("BOLAGSVERKET_CLIENT_ID")),
        "MAIL_SERVER": bool(config.get("MAIL_SERVER")),
    }
    users_by_role = dict(db.session.execute(
        select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)).all())
    # Tokens carry no organisation: joined to their user, whose organisation filter (and, on
    # PostgreSQL, row-level security) leaves out other organisations' keys.
    tokens = list(db.session.scalars(
        select(ApiToken).join(ApiToken.user).options(contains_eager(ApiToken.user))
        .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at.is_not(None), ApiToken.expires_at > now,
               ApiToken.expires_at <= now + timedelta(days=TOKEN_DAYS))
        .order_by(ApiToken.expires_at)))
    return {"sources": sources, "users_by_role": [(r, users_by_role.get(r, 0)) for r in Role],
            "users_total": db.session.scalar(select(func.count()).select_from(User)) or 0,
            "tokens": tokens, "token_days": TOKEN_DAYS}
