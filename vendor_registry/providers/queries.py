"""Provider reads shared by the list page, its exports and the API: one query, one filter set."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select

from vendor_registry.database import has_code
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider

SORTS = {
    "name": (Provider.name.asc(), Provider.id.asc()),
    "-name": (Provider.name.desc(), Provider.id.desc()),
    "updated": (Provider.updated_at.desc(), Provider.id.desc()),
    "status": (Provider.status.asc(), Provider.name.asc()),
    "county": (Provider.county.asc(), Provider.name.asc()),
}


@dataclass
class ProviderFilters:
    q: str = ""
    statuses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    ownership: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    sort: str = "name"

    @classmethod
    def from_args(cls, args: Any) -> ProviderFilters:
        """From a query string (request.args): the filter state lives in the URL."""
        def many(name: str) -> list[str]:
            return [v for v in args.getlist(name) if v]

        sort = args.get("sort", "name")
        return cls(
            q=(args.get("q") or "").strip(),
            statuses=many("status"),
            kinds=many("kind"),
            ownership=many("ownership"),
            counties=many("county"),
            sort=sort if sort in SORTS else "name",
        )


def _text_condition(q: str):
    digits = re.sub(r"[\s\u00a0\-]", "", q)
    pattern = f"%{q.lower()}%"
    conditions = [func.lower(Provider.name).like(pattern), func.lower(Provider.municipality).like(pattern)]
    if digits.isdigit():
        conditions.append(Provider.org_number.like(f"%{digits}%"))
    return or_(*conditions)


def provider_query(filters: ProviderFilters) -> Select[tuple[Provider]]:
    stmt = select(Provider)
    if filters.q:
        stmt = stmt.where(_text_condition(filters.q))
    if filters.statuses:
        stmt = stmt.where(Provider.status.in_(filters.statuses))
    if filters.ownership:
        stmt = stmt.where(Provider.ownership.in_(filters.ownership))
    if filters.kinds:
        stmt = stmt.where(or_(*(has_code(Provider.kinds, k) for k in filters.kinds)))
    if filters.counties:
        stmt = stmt.where(or_(*(has_code(Provider.counties_served, c) for c in filters.counties)))
    return stmt.order_by(*SORTS[filters.sort])


def paginate_providers(filters: ProviderFilters, page: int, per_page: int):
    return db.paginate(provider_query(filters), page=page, per_page=per_page, error_out=False)


def get_provider_or_404(provider_id: int) -> Provider:
    return db.get_or_404(Provider, provider_id)


def get_provider_by_org_number(org_number: str) -> Provider | None:
    return db.session.scalar(select(Provider).where(Provider.org_number == org_number))
