"""/api/v1/providers/{org_number}/contracts and /api/v1/contracts/{id}: a provider's agreements.

Writes go through ``contracts.services`` (dates, the price rule, optimistic locking); the price
is a JSON number in kronor with at most two decimals, kept as a Decimal throughout.
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
from vendor_registry.codes import ContractKind
from vendor_registry.contracts import queries, services
from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db

bp = make_blueprint("api_contracts", "Avtal: ramavtal, direktupphandlingar och placeringsavtal.")
_PATH = "/contracts/<id:contract_id>"


class ContractSchema(s.ApiSchema):
    id = s.Int(required=True)
    provider = s.OrgNumber(required=True, attribute="provider.org_number",
                           metadata={"description": "Utförarens organisationsnummer."})
    kind = s.Str(required=True, validate=s.one_of(ContractKind))
    reference = s.Str(required=True)
    starts_on = s.Date(required=True)
    ends_on = s.Date(required=True, allow_none=True)
    price_per_day = s.Money(required=True, allow_none=True, metadata={"description": "Pris per dygn i kronor."})
    scope = s.Str(required=True, allow_none=True)
    created_at = s.DateTime(required=True)
    updated_at = s.DateTime(required=True)
    version = s.Int(required=True)


def _writable_fields(create: bool) -> dict[str, Any]:
    req = {"required": True} if create else {}
    return {
        "kind": s.Str(validate=s.one_of(ContractKind), **req),
        "reference": s.Str(validate=s.length(100, 1), metadata={"description": "Referens eller diarienummer."},
                           **req),
        "starts_on": s.Date(**req),
        "ends_on": s.Date(allow_none=True, metadata=s.rule(
            "Efter starts_on. Utelämnas eller null: löper tills vidare.")),
        "price_per_day": s.Money(allow_none=True, validate=s.int_range(0, services.MAX_PRICE),
                                 metadata=s.rule("Kronor per dygn, högst två decimaler (hela ören).")),
        "scope": s.Str(allow_none=True, validate=s.length(5000)),
    }


ContractCreateSchema = type("ContractCreateSchema", (s.ApiSchema,), _writable_fields(create=True))
ContractPatchSchema = type("ContractPatchSchema", (s.ApiSchema,),
                           {**_writable_fields(create=False), "version": s.version_field()})


class ContractListSchema(s.ApiSchema):
    items = s.List(s.Nested(ContractSchema), required=True, metadata={"description": "Senaste start först."})


def dump_contract(contract: Contract) -> dict[str, Any]:
    return ContractSchema().dump(contract)


RECORD_SERIALIZERS[Contract] = dump_contract


def _contract_or_404(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        abort(404)
    return contract


@bp.route("/providers/<orgnr:org_number>/contracts", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, ContractListSchema)
@bp.alt_response(404, response="NOT_FOUND")
def list_contracts(org_number: str):
    """Lista en utförares avtal"""
    return provider_items(org_number, queries.contracts_for_provider)


@bp.route("/providers/<orgnr:org_number>/contracts", methods=["POST"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(ContractCreateSchema)
@bp.response(201, ContractSchema)
@bp.alt_response(404, response="NOT_FOUND")
def create_contract(data: dict[str, Any], org_number: str):
    """Registrera ett avtal"""
    provider = provider_or_404(org_number)
    contract = services.create_contract(provider, data)
    db.session.commit()
    return contract


@bp.route(_PATH, methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, ContractSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_contract(contract_id: int):
    """Läs ett avtal"""
    return _contract_or_404(contract_id)


@bp.route(_PATH, methods=["PATCH"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(ContractPatchSchema)
@bp.response(200, ContractSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT",
                 description="Avtalet har ändrats sedan angiven version; svaret innehåller det som det är nu.")
def update_contract(data: dict[str, Any], contract_id: int):
    """Ändra ett avtal

    Skicka bara de fält som ska ändras, plus `version` från när du läste posten.
    """
    contract = _contract_or_404(contract_id)
    seen_version = data.pop("version")
    services.update_contract(contract, data, seen_version)
    db.session.commit()
    return contract


@bp.route(_PATH, methods=["DELETE"])
@api_require(Permission.EDIT_PROVIDERS)
@bp.arguments(s.VersionQuerySchema, location="query")
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT",
                 description="Avtalet har ändrats sedan angiven version; svaret innehåller det som det är nu.")
def delete_contract(args: dict[str, Any], contract_id: int):
    """Ta bort ett avtal"""
    contract = _contract_or_404(contract_id)
    services.delete_contract(contract, args["version"])
    db.session.commit()
