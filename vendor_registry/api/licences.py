"""/api/v1/providers/{org_number}/licences and /api/v1/licences/{id}: IVO permits and notifications.

Writes go through ``licences.services`` (dates, codes and the evidence rule for "verified"
live there); this module only validates shapes and maps HTTP onto those calls.
"""
from __future__ import annotations

from typing import Any

from flask import abort

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.errors import RECORD_SERIALIZERS
from vendor_registry.api.providers import MAX_ID, provider_items, provider_or_404
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission
from vendor_registry.codes import (
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    VerificationMethod,
)
from vendor_registry.extensions import db
from vendor_registry.licences import queries, services
from vendor_registry.licences.models import Licence

bp = make_blueprint("api_licences", "Tillstånd och anmälningar hos IVO.")


class LicenceSchema(s.ApiSchema):
    id = s.Int(required=True)
    provider = s.OrgNumber(required=True, attribute="provider.org_number",
                           metadata={"description": "Utförarens organisationsnummer."})
    kind = s.Str(required=True, validate=s.one_of(LicenceKind))
    form = s.Str(required=True, validate=s.one_of(LicenceForm))
    ivo_reference = s.Str(required=True, allow_none=True, metadata={"description": "IVO:s diarienummer."})
    scope = s.Str(required=True, allow_none=True)
    granted_on = s.Date(required=True, allow_none=True)
    ends_on = s.Date(required=True, allow_none=True)
    status = s.Str(required=True, validate=s.one_of(LicenceStatus))
    last_verified_at = s.DateTime(required=True, allow_none=True)
    verification_method = s.Str(required=True, allow_none=True, validate=s.one_of(VerificationMethod))
    evidence = s.Str(required=True, allow_none=True)
    notes = s.Str(required=True, allow_none=True)
    created_at = s.DateTime(required=True)
    updated_at = s.DateTime(required=True)
    version = s.Int(required=True)


def _writable_fields(create: bool) -> dict[str, Any]:
    req = {"required": True} if create else {}
    return {
        "kind": s.Str(validate=s.one_of(LicenceKind), **req),
        "form": s.Str(validate=s.one_of(LicenceForm), **req),
        "status": s.Str(validate=s.one_of(LicenceStatus), **req),
        "ivo_reference": s.Str(allow_none=True, validate=s.length(60)),
        "scope": s.Str(allow_none=True, validate=s.length(2000)),
        "granted_on": s.Date(allow_none=True, metadata=s.rule("Beslutsdatum, inte i framtiden.")),
        "ends_on": s.Date(allow_none=True, metadata=s.rule("Efter granted_on.")),
        "notes": s.Str(allow_none=True, validate=s.length(5000)),
        "verified": s.Bool(metadata={"description": "Sant om du just har verifierat tillståndet; kräver "
                                                    "verification_method och evidence."}),
        "verification_method": s.Str(allow_none=True, validate=s.one_of(VerificationMethod),
                                     metadata=s.rule("Krävs när verified är true.")),
        "evidence": s.Str(allow_none=True, validate=s.length(500), metadata=s.rule(
            "Länk eller dokumentreferens till underlaget; krävs (inte tom) när verified är true.")),
    }


LicenceCreateSchema = type("LicenceCreateSchema", (s.ApiSchema,), _writable_fields(create=True))
LicencePatchSchema = type(
    "LicencePatchSchema",
    (s.ApiSchema,),
    {**_writable_fields(create=False),
     "version": s.Int(required=True, validate=s.int_range(0, MAX_ID),
                      metadata={"description": "Versionen du läste; är posten ändrad sedan dess blir svaret 409."})},
)


class LicenceListSchema(s.ApiSchema):
    items = s.List(s.Nested(LicenceSchema), required=True)


def dump_licence(licence: Licence) -> dict[str, Any]:
    return LicenceSchema().dump(licence)


RECORD_SERIALIZERS[Licence] = dump_licence


@bp.route("/providers/<orgnr:org_number>/licences", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, LicenceListSchema)
@bp.alt_response(404, response="NOT_FOUND")
def list_licences(org_number: str):
    """Lista en utförares tillstånd

    Nyaste beslut först.
    """
    return provider_items(org_number, queries.licences_for_provider)


@bp.route("/providers/<orgnr:org_number>/licences", methods=["POST"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(LicenceCreateSchema)
@bp.response(201, LicenceSchema)
@bp.alt_response(404, response="NOT_FOUND")
def create_licence(data: dict[str, Any], org_number: str):
    """Registrera ett tillstånd"""
    provider = provider_or_404(org_number)
    licence = services.create_licence(provider, data)
    db.session.commit()
    return licence


@bp.route("/licences/<id:licence_id>", methods=["PATCH"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(LicencePatchSchema)
@bp.response(200, LicenceSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT",
                 description="Tillståndet har ändrats sedan angiven version; svaret innehåller det som det är nu.")
def update_licence(data: dict[str, Any], licence_id: int):
    """Ändra ett tillstånd

    Skicka bara de fält som ska ändras, plus `version` från när du läste posten.
    """
    licence = db.session.get(Licence, licence_id)
    if licence is None:
        abort(404)
    seen_version = data.pop("version")
    services.update_licence(licence, data, seen_version)
    db.session.commit()
    return licence
