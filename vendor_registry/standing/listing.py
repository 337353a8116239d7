"""The provider list: one query (``provider_query``) and one filter set (``ProviderFilters``),
so that the page, the CSV/XLSX export and the API list the same providers for the same
filter. The per-provider facts a list row shows (licence state, open flags, "checks current")
are computed for a whole page of ids with a fixed number of aggregate queries
(``status_maps.row_facts``), never per row.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Select, String, exists, func, or_, select, type_coerce
from sqlalchemy.orm import load_only

from vendor_registry.codes import (
    LIVE_FLAG_STATUSES,
    FlagSeverity,
    Ownership,
    ProviderStatus,
    ThreatLevel,
)
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.licences.models import Licence
from vendor_registry.licences.queries import current_licence_condition
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.parsing import record_ids
from vendor_registry.providers.models import Provider
from vendor_registry.providers.queries import _printable, _text_condition

SORTS = {
    "name": (Provider.name.asc(), Provider.id.asc()),
    "-name": (Provider.name.desc(), Provider.id.desc()),
    "updated": (Provider.updated_at.desc(), Provider.id.desc()),
    "status": (Provider.status.asc(), Provider.name.asc(), Provider.id.asc()),
    "county": (Provider.county.asc(), Provider.name.asc(), Provider.id.asc()),
}

# URL parameter -> dataclass field for the multi-valued filters (the URL uses singular names).
_LIST_PARAMS = {
    "status": "statuses", "kind": "kinds", "ownership": "ownership", "county": "counties",
    "target_group": "target_groups", "housing_form": "housing_forms", "service_area": "service_areas",
    "method": "methods",
}


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get((value or "").strip().lower())


@dataclass
class ProviderFilters:
    """The list's filter state. Within one filter the values are alternatives (any of them);
    different filters all apply. ``None`` in the yes/no filters means "either"."""

    q: str = ""
    statuses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    ownership: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)  # counties served
    target_groups: list[str] = field(default_factory=list)
    housing_forms: list[str] = field(default_factory=list)
    service_areas: list[str] = field(default_factory=list)
    methods: list[int] = field(default_factory=list)  # Method ids the provider offers
    min_threat_level: str | None = None  # the provider can take at least this level
    has_critical_flag: bool | None = None  # an open or acknowledged critical flag
    licence_valid: bool | None = None  # holds at least one currently valid licence
    sort: str = "name"

    @classmethod
    def from_args(cls, args: Any) -> ProviderFilters:
        """From a query string (request.args): the filter state lives in the URL (bookmarkable).
        Unknown values are dropped rather than refused, so an old bookmark still opens."""
        def many(name: str) -> list[str]:
            return [v for v in args.getlist(name) if v]

        values: dict[str, Any] = {attr: many(param) for param, attr in _LIST_PARAMS.items()}
        values["methods"] = record_ids(values["methods"])
        threat = args.get("min_threat") or None
        sort = args.get("sort", "name")
        return cls(
            q=_printable(args.get("q") or "").strip()[:200],
            min_threat_level=threat if threat in {t.value for t in ThreatLevel} else None,
            has_critical_flag=_yes_no(args.get("critical_flag")),
            licence_valid=_yes_no(args.get("licence_valid")),
            sort=sort if sort in SORTS else "name",
            **values,
        )

    def to_args(self) -> dict[str, Any]:
        """The inverse of ``from_args``: URL parameters for links (pagination, sorting, exports)."""
        args: dict[str, Any] = {}
        if self.q:
            args["q"] = self.q
        for param, attr in _LIST_PARAMS.items():
            if getattr(self, attr):
                args[param] = [str(v) for v in getattr(self, attr)]
        if self.min_threat_level:
            args["min_threat"] = self.min_threat_level
        for param, attr in (("critical_flag", "has_critical_flag"), ("licence_valid", "licence_valid")):
            if getattr(self, attr) is not None:
                args[param] = "yes" if getattr(self, attr) else "no"
        if self.sort != "name":
            args["sort"] = self.sort
        return args

    @property
    def active(self) -> bool:
        defaults = ProviderFilters()
        return any(getattr(self, f.name) != getattr(defaults, f.name) for f in fields(self) if f.name != "sort")


def code_in(column, code: str):
    """The CodeList ``column`` contains ``code``. (``database.has_code`` binds the pattern
    through CodeList's own bind processor, which refuses the ``|`` in it; coercing the
    column to plain text first gives the intended ``LIKE '%|code|%'``.)"""
    escaped = _printable(code).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return type_coerce(column, String).like(f"%|{escaped}|%", escape="\\")


def _any_code(column, values: list[str]):
    return or_(*(code_in(column, v) for v in values))


def critical_flag_exists():
    """Correlated predicate: the provider has an open or acknowledged critical flag."""
    return exists().where(
        Flag.provider_id == Provider.id,
        Flag.severity == FlagSeverity.CRITICAL,
        Flag.view_status.in_(LIVE_FLAG_STATUSES),
    )


def valid_licence_exists():
    """Correlated predicate: the provider holds a licence that is valid today."""
    return exists().where(Licence.provider_id == Provider.id, current_licence_condition())


def _known(enum_cls, values: list[str]) -> list:
    codes = {member.value for member in enum_cls}
    return [enum_cls(v) for v in values if v in codes]


def provider_query(filters: ProviderFilters) -> Select[tuple[Provider]]:
    stmt = select(Provider)
    # Unknown codes match nothing (an API caller asking for status "bogus" gets no rows, not a 500).
    if filters.statuses:
        stmt = stmt.where(Provider.status.in_(_known(ProviderStatus, filters.statuses)))
    if filters.ownership:
        stmt = stmt.where(Provider.ownership.in_(_known(Ownership, filters.ownership)))
    for column, values in (
        (Provider.kinds, filters.kinds),
        (Provider.counties_served, filters.counties),
        (Provider.target_groups, filters.target_groups),
        (Provider.housing_forms, filters.housing_forms),
        (Provider.service_areas, filters.service_areas),
    ):
        if values:
            stmt = stmt.where(_any_code(column, values))
    # The text search after the code filters: on SQLite the terms are tested in this order, and
    # a provider the cheaper code tests exclude is never lowered and searched (count 11 -> 5.5 ms
    # for a text and two codes at 20,000 providers; the same rows either way).
    q = _printable(filters.q).strip()
    if q:
        stmt = stmt.where(_text_condition(q))
    if filters.methods:
        stmt = stmt.where(exists().where(ProviderMethod.provider_id == Provider.id,
                                         ProviderMethod.method_id.in_(filters.methods)))
    if filters.min_threat_level:
        try:
            floor = ThreatLevel(filters.min_threat_level).rank
        except ValueError:
            floor = len(ThreatLevel)  # an unknown level: nothing can be said to reach it
        stmt = stmt.where(Provider.max_threat_level.in_([t for t in ThreatLevel if t.rank >= floor]))
    if filters.has_critical_flag is not None:
        condition = critical_flag_exists()
        stmt = stmt.where(condition if filters.has_critical_flag else ~condition)
    if filters.licence_valid is not None:
        condition = valid_licence_exists()
        stmt = stmt.where(condition if filters.licence_valid else ~condition)
    return stmt.order_by(*SORTS.get(filters.sort, SORTS["name"]))


def count_providers(filters: ProviderFilters) -> int:
    """The cheap count: ids only and no ORDER BY, so the database counts an index instead of
    materialising every matching row's columns (the page query already sorts the shown rows)."""
    ids = provider_query(filters).with_only_columns(Provider.id).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(ids)) or 0


# What a row of the provider list page shows of the provider itself (the API's list wants all).
LIST_COLUMNS = (Provider.id, Provider.name, Provider.municipality, Provider.org_number, Provider.kinds,
                Provider.county)  # the status comes with the acting organisation's approval (joined)


def paginate_providers(filters: ProviderFilters, page: int, per_page: int, columns=None):
    """One page query and one cheap count; the row facts are then computed for the shown rows only.
    ``columns``: load only these of each provider (the others are not converted for a page that
    never shows them)."""
    stmt = provider_query(filters)
    if columns:
        stmt = stmt.options(load_only(*columns))
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    pagination.total = count_providers(filters)
    return pagination
