"""/api/v1/methods (the catalogue) and the methods a provider offers, with staff and certification.

Catalogue writes are an admin's (``methods.catalogue``: the evidence level always with its
source, retire rather than delete); offered methods go through ``methods.services``.
"""
from __future__ import annotations

from typing import Any

from flask import abort

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.errors import RECORD_SERIALIZERS
from vendor_registry.api.providers import provider_items, provider_or_404
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission
from vendor_registry.codes import EvidenceLevel
from vendor_registry.extensions import db
from vendor_registry.methods import catalogue, services
from vendor_registry.methods.models import Method, ProviderMethod
from vendor_registry.standing.sections import offered_methods

bp = make_blueprint("api_methods", "Metoder: katalogen och de metoder en utförare erbjuder.")
_METHOD_PATH = "/methods/<id:method_id>"
_OFFERED_PATH = "/offered-methods/<id:offered_id>"
_STALE = "Posten har ändrats sedan angiven version; svaret innehåller den som den är nu."


class MethodSchema(s.ApiSchema):
    id = s.Int(required=True)
    name = s.Str(required=True)
    short_name = s.Str(required=True, allow_none=True)
    description = s.Str(required=True, allow_none=True)
    evidence_level = s.Str(required=True, validate=s.one_of(EvidenceLevel))
    evidence_source = s.Str(required=True, allow_none=True)
    active = s.Bool(required=True, metadata={"description": "En inaktiv metod kan inte väljas för nya erbjudanden."})
    version = s.Int(required=True)


def _method_fields(create: bool) -> dict[str, Any]:
    req = {"required": True} if create else {}
    return {
        "name": s.Str(validate=s.length(200, 1), metadata=s.rule("Unikt i katalogen."), **req),
        "short_name": s.Str(allow_none=True, validate=s.length(40)),
        "description": s.Str(allow_none=True, validate=s.length(5000)),
        "evidence_level": s.Str(validate=s.one_of(EvidenceLevel)),
        "evidence_source": s.Str(allow_none=True, validate=s.length(2000), metadata=s.rule(
            "Källan till evidensbedömningen; krävs (inte tom) om nivån inte är not_assessed.")),
        "active": s.Bool(),
    }


MethodCreateSchema = type("MethodCreateSchema", (s.ApiSchema,), _method_fields(create=True))
MethodPatchSchema = type("MethodPatchSchema", (s.ApiSchema,), {**_method_fields(create=False),
                                                               "version": s.version_field()})


class MethodListSchema(s.ApiSchema):
    items = s.List(s.Nested(MethodSchema), required=True, metadata={"description": "Aktiva först, sedan efter namn."})


class OfferedMethodSchema(s.ApiSchema):
    id = s.Int(required=True)
    provider = s.OrgNumber(required=True, attribute="provider.org_number")
    method = s.Nested(MethodSchema, required=True)
    trained_staff = s.Int(required=True, metadata={"description": "Antal utbildade i personalen."})
    certification_ends_on = s.Date(required=True, allow_none=True,
                                   metadata={"description": "Certifieringen gäller till och med detta datum."})
    notes = s.Str(required=True, allow_none=True)
    version = s.Int(required=True)


def _offered_fields() -> dict[str, Any]:
    return {
        "trained_staff": s.Int(allow_none=True, validate=s.int_range(0, 10_000)),
        "certification_ends_on": s.Date(allow_none=True),
        "notes": s.Str(allow_none=True, validate=s.length(5000)),
    }


OfferedCreateSchema = type("OfferedCreateSchema", (s.ApiSchema,), {
    "method_id": s.Int(required=True, validate=s.int_range(1, s.MAX_ID), metadata=s.rule(
        "Id för en aktiv metod i katalogen som utföraren inte redan erbjuder.")),
    **_offered_fields()})
OfferedPatchSchema = type("OfferedPatchSchema", (s.ApiSchema,), {**_offered_fields(), "version": s.version_field()})


class OfferedListSchema(s.ApiSchema):
    items = s.List(s.Nested(OfferedMethodSchema), required=True)


RECORD_SERIALIZERS[Method] = MethodSchema().dump
RECORD_SERIALIZERS[ProviderMethod] = OfferedMethodSchema().dump


def _get_or_404(model: type, record_id: int) -> Any:
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


# --- the catalogue ------------------------------------------------------------------------------

@bp.route("/methods", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, MethodListSchema)
def list_methods():
    """Lista metodkatalogen

    Med evidensnivå och källa; även inaktiva metoder (som utförare kan ha kvar).
    """
    return {"items": catalogue.all_methods()}


@bp.route("/methods", methods=["POST"])
@api_require(Permission.ADMINISTER)
@bp.arguments(MethodCreateSchema)
@bp.response(201, MethodSchema)
def create_method(data: dict[str, Any]):
    """Lägg till en metod i katalogen"""
    method = catalogue.create_method(data)
    db.session.commit()
    return method


@bp.route(_METHOD_PATH, methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, MethodSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_method(method_id: int):
    """Läs en metod i katalogen"""
    return _get_or_404(Method, method_id)


@bp.route(_METHOD_PATH, methods=["PATCH"])
@api_require(Permission.ADMINISTER)
@bp.arguments(MethodPatchSchema)
@bp.response(200, MethodSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT", description=_STALE)
def update_method(data: dict[str, Any], method_id: int):
    """Ändra en metod i katalogen

    Skicka bara de fält som ska ändras, plus `version`. Sätt `active` till false för att ta
    metoden ur bruk (den tas aldrig bort, eftersom utförares erbjudanden pekar på den).
    """
    method = _get_or_404(Method, method_id)
    seen_version = data.pop("version")
    current = {key: getattr(method, key) for key in catalogue.FIELDS}  # the service validates a whole record
    catalogue.update_method(method, {**current, **data}, seen_version)
    db.session.commit()
    return method


# --- methods a provider offers ------------------------------------------------------------------

@bp.route("/providers/<orgnr:org_number>/methods", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, OfferedListSchema)
@bp.alt_response(404, response="NOT_FOUND")
def list_offered(org_number: str):
    """Lista metoder som en utförare erbjuder"""
    return provider_items(org_number, offered_methods)


@bp.route("/providers/<orgnr:org_number>/methods", methods=["POST"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(OfferedCreateSchema)
@bp.response(201, OfferedMethodSchema)
@bp.alt_response(404, response="NOT_FOUND")
def add_offered(data: dict[str, Any], org_number: str):
    """Lägg till en metod som utföraren erbjuder

    En metod kan bara finnas en gång per utförare; ändra den befintliga raden i stället.
    """
    provider = provider_or_404(org_number)
    offered = services.add_offered_method(provider, data)
    db.session.commit()
    return offered


@bp.route(_OFFERED_PATH, methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, OfferedMethodSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_offered(offered_id: int):
    """Läs en erbjuden metod"""
    return _get_or_404(ProviderMethod, offered_id)


@bp.route(_OFFERED_PATH, methods=["PATCH"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(OfferedPatchSchema)
@bp.response(200, OfferedMethodSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT", description=_STALE)
def update_offered(data: dict[str, Any], offered_id: int):
    """Ändra en erbjuden metod

    Antal utbildade, certifieringens slutdatum eller anteckningar, plus `version`.
    """
    offered = _get_or_404(ProviderMethod, offered_id)
    seen_version = data.pop("version")
    services.update_offered_method(offered, data, seen_version)
    db.session.commit()
    return offered


@bp.route(_OFFERED_PATH, methods=["DELETE"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(s.VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT", description=_STALE)
def remove_offered(args: dict[str, Any], offered_id: int):
    """Ta bort en metod från utföraren"""
    offered = _get_or_404(ProviderMethod, offered_id)
    services.remove_offered_method(offered, args["version"])
    db.session.commit()
