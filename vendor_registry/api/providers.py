"""/api/v1/providers: list (the list page's filters and query), read, register, edit.

Filtering is ``standing.listing.ProviderFilters``/``provider_query`` — the API only maps its
parameter names onto the filter fields — and writes go through ``providers.services``.
"""
from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require, token_principal
from vendor_registry.api.errors import RECORD_SERIALIZERS, ApiProblem, flatten_messages
from vendor_registry.api.published import PublishedSummaryField
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission
from vendor_registry.codes import (
    COUNTIES,
    HousingForm,
    Ownership,
    ProviderKind,
    ProviderStatus,
    ServiceAreaCode,
    TargetGroup,
    ThreatLevel,
)
from vendor_registry.extensions import db
from vendor_registry.pagecache import cached_page
from vendor_registry.providers import queries, services
from vendor_registry.providers.models import Provider
from vendor_registry.providers.orgnr import OrgNumberError, normalise_org_number
from vendor_registry.standing import listing

bp = make_blueprint("api_providers", "Utförare: sök, läs, registrera och ändra.")

MAX_ID = 2**31 - 1
ORG_NUMBER_DOC = {"description": "Organisationsnummer, NNNNNN-NNNN.", "example": "556016-0680"}
# The language list is stored |-separated; the pattern also keeps out control characters.
_no_separator = s.Pattern(s.TEXT_PATTERN.replace("[^", "[^|", 1), error=s.N_("Tecknet | är inte tillåtet."))


class ProviderSchema(s.ApiSchema):
    org_number = s.OrgNumber(required=True, metadata=ORG_NUMBER_DOC)
    name = s.Str(required=True)
    kinds = s.codes(ProviderKind, required=True)
    ownership = s.Str(required=True, validate=s.one_of(Ownership))
    municipality = s.Str(required=True, allow_none=True)
    county = s.Str(required=True, validate=s.one_of(COUNTIES), metadata={"description": "Länskod (säte)."})
    counties_served = s.codes(COUNTIES, required=True)
    target_groups = s.codes(TargetGroup, required=True)
    housing_forms = s.codes(HousingForm, required=True)
    max_threat_level = s.Str(required=True, allow_none=True, validate=s.one_of(ThreatLevel))
    languages = s.List(s.Str(), required=True)
    service_areas = s.codes(ServiceAreaCode, required=True)
    capacity = s.Int(required=True, allow_none=True)
    contact_name = s.Str(required=True, allow_none=True)
    contact_email = s.Str(required=True, allow_none=True)
    contact_phone = s.Str(required=True, allow_none=True)
    website = s.Str(required=True, allow_none=True)
    address = s.Str(required=True, allow_none=True)
    notes = s.Str(required=True, allow_none=True)
    status = s.Str(required=True, validate=s.one_of(ProviderStatus))
    status_changed_at = s.DateTime(required=True)
    approved_at = s.DateTime(required=True, allow_none=True)
    created_at = s.DateTime(required=True)
    updated_at = s.DateTime(required=True)
    version = s.Int(required=True, metadata={"description": "Skicka med vid ändring (optimistisk låsning)."})


class ProviderDetailSchema(ProviderSchema):
    """One provider as ``GET /providers/{org_number}`` answers: with what other organisations
    have published about it (shared on purpose)."""

    published_reviews = PublishedSummaryField(required=True, metadata={
        "description": "Vad andra organisationer har publicerat om utföraren det senaste året."})


def _writable_fields(create: bool) -> dict[str, Any]:
    """The editable fields; required ones only when registering (a PATCH sends what changes)."""
    req = {"required": True} if create else {}
    return {
        "org_number": s.org_number_field(**req),
        "name": s.Str(validate=s.length(200, 1), **req),
        "kinds": s.codes(ProviderKind, validate=s.list_length(1, len(ProviderKind)), **req),
        "ownership": s.Str(validate=s.one_of(Ownership), **req),
        "county": s.Str(validate=s.one_of(COUNTIES), metadata={"description": "Länskod, t.ex. 01."}, **req),
        "municipality": s.Str(allow_none=True, validate=s.length(100)),
        "counties_served": s.codes(COUNTIES, validate=s.list_length(0, len(COUNTIES))),
        "capacity": s.Int(allow_none=True, validate=s.int_range(0, 10_000)),
        "target_groups": s.codes(TargetGroup, validate=s.list_length(0, len(TargetGroup))),
        "housing_forms": s.codes(HousingForm, validate=s.list_length(0, len(HousingForm))),
        "max_threat_level": s.Str(allow_none=True, validate=s.one_of(ThreatLevel)),
        "languages": s.List(s.Str(validate=[s.length(40, 1), _no_separator]), validate=s.list_length(0, 30)),
        "service_areas": s.codes(ServiceAreaCode, validate=s.list_length(0, len(ServiceAreaCode))),
        "contact_name": s.Str(allow_none=True, validate=s.length(200)),
        "contact_email": s.Email(allow_none=True, validate=s.length(254), metadata=s.rule(
            "En e-postadress vars domän har en toppdomän, t.ex. namn@kommun.se.")),
        "contact_phone": s.Str(allow_none=True, validate=s.length(40)),
        "website": s.Str(allow_none=True, validate=s.length(300)),
        "address": s.Str(allow_none=True, validate=s.length(300)),
        "notes": s.Str(allow_none=True, validate=s.length(5000)),
    }


ProviderCreateSchema = type("ProviderCreateSchema", (s.ApiSchema,), _writable_fields(create=True))
ProviderPatchSchema = type(
    "ProviderPatchSchema",
    (s.ApiSchema,),
    {
        **_writable_fields(create=False),
        "version": s.Int(required=True, validate=s.int_range(0, MAX_ID),
                         metadata={"description": "Versionen du läste; är posten ändrad sedan dess blir svaret 409."}),
    },
)


class ProviderListQuerySchema(s.PageQuerySchema):
    """Parameter names as on the list page; attribute names are ``ProviderFilters`` fields."""

    q = s.Str(load_default="", validate=s.length(200), metadata={"description": "Namn, kommun eller organisationsnummer."})
    statuses = s.codes(ProviderStatus, data_key="status", load_default=list)
    kinds = s.codes(ProviderKind, data_key="kind", load_default=list)
    ownership = s.codes(Ownership, load_default=list)
    counties = s.codes(COUNTIES, data_key="county", load_default=list,
                       metadata={"description": "Län där utföraren verkar."})
    target_groups = s.codes(TargetGroup, data_key="target_group", load_default=list)
    housing_forms = s.codes(HousingForm, data_key="housing_form", load_default=list)
    service_areas = s.codes(ServiceAreaCode, data_key="service_area", load_default=list)
    methods = s.List(s.QueryInt(validate=s.int_range(1, MAX_ID)), data_key="method", load_default=list,
                     metadata={"description": "Id för metod som utföraren erbjuder."})
    min_threat_level = s.Str(data_key="min_threat_level", load_default=None, validate=s.one_of(ThreatLevel),
                             metadata={"description": "Klarar minst denna hotnivå."})
    has_critical_flag = s.QueryBool(load_default=None, metadata={"description": "Har en olöst kritisk avvikelse."})
    licence_valid = s.QueryBool(load_default=None, metadata={"description": "Har minst ett giltigt tillstånd."})
    sort = s.Str(load_default="name", validate=s.one_of(list(listing.SORTS)))


class ProviderPageSchema(s.PageSchema):
    items = s.List(s.Nested(ProviderSchema), required=True)


def dump_provider(provider: Provider) -> dict[str, Any]:
    return ProviderSchema().dump(provider)


RECORD_SERIALIZERS[Provider] = dump_provider


def _raise_conflict_if_taken(error: services.ValidationFailed, data: dict[str, Any], current: Provider | None):
    """The service refuses a taken org number as a field error; the API answers that with 409
    (a conflict with another record), keeping the service's message in ``errors``."""
    if "org_number" not in error.errors:
        return
    try:
        digits = normalise_org_number(data.get("org_number", ""))
    except OrgNumberError:
        return
    clash = queries.get_provider_by_org_number(digits)
    if clash is not None and clash is not current:
        db.session.rollback()
        raise ApiProblem(409, _("Organisationsnumret är redan registrerat."),
                         errors=list(flatten_messages(error.errors)))


def provider_or_404(org_number: str) -> Provider:
    """Accepts ``556016-0680`` or ``5560160680``; anything else is simply not found."""
    try:
        digits = normalise_org_number(org_number)
    except OrgNumberError:
        abort(404)
    provider = queries.get_provider_by_org_number(digits)
    if provider is None:
        abort(404)
    return provider


def provider_items(org_number: str, load) -> dict[str, list]:
    """A provider's child records as a list response: ``load(provider_id)`` reads them, and each
    gets the already loaded provider attached, so serialising costs no query per row."""
    provider = provider_or_404(org_number)
    items = load(provider.id)
    for item in items:
        set_committed_value(item, "provider", provider)
    return {"items": items}


@bp.route("/providers", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@cached_page(principal=token_principal)
@bp.arguments(ProviderListQuerySchema, location="query")
@bp.response(200, ProviderPageSchema)
def list_providers(args: dict[str, Any]):
    """Sök utförare

    Samma filter och samma sökning som listan i webbgränssnittet. Inom ett filter räcker
    något av värdena; olika filter gäller alla.
    """
    page, per_page = args.pop("page"), args.pop("per_page")
    filters = listing.ProviderFilters(**args)
    pagination = listing.paginate_providers(filters, page, per_page)
    return {"items": pagination.items, "page": page, "per_page": per_page, "total": pagination.total}


@bp.route("/providers", methods=["POST"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(ProviderCreateSchema)
@bp.response(201, ProviderSchema)
@bp.alt_response(409, response="CONFLICT", description="Organisationsnumret är redan registrerat.")
def create_provider(data: dict[str, Any]):
    """Registrera en utförare

    En ny utförare börjar alltid som utkast (draft).
    """
    try:
        provider = services.create_provider(data)
    except services.ValidationFailed as error:
        _raise_conflict_if_taken(error, data, None)
        raise
    db.session.commit()
    return provider


@bp.route("/providers/<orgnr:org_number>", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@cached_page(principal=token_principal)
@bp.response(200, ProviderDetailSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_provider(org_number: str):
    """Läs en utförare

    Organisationsnumret kan anges med eller utan bindestreck. `published_reviews` sammanfattar
    vad andra organisationer har publicerat om utföraren.
    """
    return provider_or_404(org_number)


@bp.route("/providers/<orgnr:org_number>", methods=["PATCH"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(ProviderPatchSchema)
@bp.response(200, ProviderSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT",
                 description="Posten har ändrats sedan angiven version (svaret innehåller posten som den är nu), "
                             "eller organisationsnumret finns redan.")
def update_provider(data: dict[str, Any], org_number: str):
    """Ändra en utförare

    Skicka bara de fält som ska ändras, plus `version` från när du läste posten.
    """
    provider = provider_or_404(org_number)
    seen_version = data.pop("version")
    try:
        services.update_provider(provider, data, seen_version)
    except services.ValidationFailed as error:
        _raise_conflict_if_taken(error, data, provider)
        raise
    db.session.commit()
    return provider
