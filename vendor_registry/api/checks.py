"""/api/v1/providers/{org_number}/checks: background-check history, and recording a manual check.

Details are for roles with VIEW_CHECK_DETAILS (a social worker sees only "checks current" on
the provider pages, and gets 403 here). Recording goes through
``background_checks.services.record_manual_check``, which owns the rules (manual types only,
no future dates, a summary) and the next due date.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app
from flask_babel import gettext as _

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.errors import ApiProblem
from vendor_registry.api.providers import provider_or_404
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission
from vendor_registry.background_checks import queries, services
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.background_checks.runner import (
    AUTOMATIC_TYPES,
    build_checkers,
    run_check,
)
from vendor_registry.codes import CheckOutcome, CheckType
from vendor_registry.extensions import db
from vendor_registry.organisations.tenancy import current_organisation_id

bp = make_blueprint("api_checks", "Bakgrundskontroller: historik och manuellt utförda kontroller.")
HISTORY_LIMIT = 200


class _PerformedBy(s.Str):
    """The person (or job) of the caller's own organisation; for a check another organisation
    shared, that organisation's name (its people are not the caller's to know)."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        if obj.shared_by_organisation_id and obj.shared_by_organisation_id != current_organisation_id():
            return obj.shared_by.name
        return obj.performed_by_label


class _SharedBy(s.Text):
    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj.shared_by.name if obj.shared_by_organisation_id else None


class CheckSchema(s.ApiSchema):
    id = s.Int(required=True)
    type = s.Str(required=True, attribute="check_type", validate=s.one_of(CheckType))
    performed_at = s.DateTime(required=True)
    performed_by = _PerformedBy(required=True, metadata={
        "description": "Vem som gjorde kontrollen; för en kontroll som en annan organisation delat, dess namn."})
    automatic = s.Bool(required=True)
    shared = s.Bool(required=True, metadata={
        "description": "Delad med alla organisationer: automatiska kontroller och manuella som markerats delbara."})
    shared_by = _SharedBy(required=True, allow_none=True, metadata={
        "description": "Organisationen som delade en manuell kontroll; null för automatiska och egna."})
    result = s.Str(required=True, validate=s.one_of(CheckOutcome))
    summary = s.Text(required=True)
    evidence = s.Text(required=True, allow_none=True)
    source_url = s.Text(required=True, allow_none=True)
    next_due = s.Date(required=True, allow_none=True, attribute="next_due_on")
    evidence_document = s.Int(required=True, allow_none=True, attribute="evidence_document_id",
                              metadata={"description": "Id för underlaget; hämtas från /evidence/{id}/content."})
    details = s.Dict(required=True, allow_none=True,
                     metadata={"description": "Källans svar i strukturerad form (automatiska kontroller)."})


class CheckListSchema(s.ApiSchema):
    items = s.List(s.Nested(CheckSchema), required=True,
                   metadata={"description": f"Nyaste först, högst {HISTORY_LIMIT}."})


class CheckCreateSchema(s.ApiSchema):
    type = s.Str(required=True, data_key="type", attribute="check_type",
                 validate=s.one_of([t for t in CheckType if not t.automatic]),
                 metadata={"description": "En kontrolltyp som görs manuellt."})
    result = s.Str(required=True, validate=s.one_of([CheckOutcome.PASS, CheckOutcome.CONCERN, CheckOutcome.FAIL]))
    performed_on = s.Date(required=True, metadata=s.rule("Dagen kontrollen gjordes (inte i framtiden)."))
    summary = s.Str(required=True, validate=s.length(5000, 1))
    evidence = s.Str(allow_none=True, validate=s.length(500),
                     metadata={"description": "Länk eller dokumentreferens till underlaget."})
    next_due = s.Date(allow_none=True, attribute="next_due_on", metadata=s.rule(
        "Efter performed_on. Utelämnas: beräknas från kontrollpolicyn."))
    shareable = s.Bool(load_default=False, metadata={
        "description": "true delar kontrollen med alla organisationer (typ, datum, resultat, sammanfattning, "
                       "referens och er organisations namn; inte filen eller vem som gjorde den)."})


_REQUEST_NAMES = {field.attribute: field.data_key or name
                  for name, field in CheckCreateSchema._declared_fields.items() if field.attribute}


class RunSchema(s.ApiSchema):
    type = s.Str(required=True, validate=s.one_of(AUTOMATIC_TYPES),
                 metadata={"description": "ivo_register eller company_registry."})


@bp.route("/providers/<orgnr:org_number>/checks", methods=["GET"])
@api_require(Permission.VIEW_CHECK_DETAILS)
@bp.response(200, CheckListSchema)
@bp.alt_response(404, response="NOT_FOUND")
def list_checks(org_number: str):
    """Lista en utförares bakgrundskontroller"""
    provider = provider_or_404(org_number)
    return {"items": queries.check_history(provider.id, limit=HISTORY_LIMIT)}


@bp.route("/providers/<orgnr:org_number>/checks", methods=["POST"])
@api_require(Permission.RECORD_CHECK)
@bp.arguments(CheckCreateSchema)
@bp.response(201, CheckSchema)
@bp.alt_response(404, response="NOT_FOUND")
def record_check(data: dict[str, Any], org_number: str):
    """Registrera en manuellt utförd kontroll

    Till exempel F-skatt, skulder hos Kronofogden eller registerutdrag. Automatiska kontroller
    (IVO-registret, Bolagsverket) körs av systemet och kan inte registreras här.
    """
    provider = provider_or_404(org_number)
    try:
        check = services.record_manual_check(provider, data)
    except services.ValidationFailed as error:
        # the service names its fields (check_type, next_due_on); the client sent type, next_due
        raise services.ValidationFailed({_REQUEST_NAMES.get(key, key): value
                                         for key, value in error.errors.items()}) from None
    db.session.commit()
    return check


@bp.route("/providers/<orgnr:org_number>/checks/run", methods=["POST"])
@api_require(Permission.RECORD_CHECK)
@bp.arguments(RunSchema)
@bp.response(201, CheckSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT", description="Källan för kontrolltypen är inte konfigurerad.")
def run_automatic_check(data: dict[str, Any], org_number: str):
    """Kör en automatisk kontroll nu

    Frågar källan (IVO-registret eller Bolagsverket) direkt, som knappen "Kör nu", och
    registrerar svaret. Svarar källan inte blir resultatet `error`, aldrig ett omdöme om
    utföraren, och tillstånden ändras inte.
    """
    provider = provider_or_404(org_number)
    check_type = CheckType(data["type"])
    checker = build_checkers(current_app.config).get(check_type)
    if checker is None:
        raise ApiProblem(409, _("Inte konfigurerad: kontrollen kan inte köras förrän källan är inställd."))
    check = run_check(provider, check_type, checker)
    db.session.commit()
    return check


@bp.route("/checks/<id:check_id>", methods=["GET"])
@api_require(Permission.VIEW_CHECK_DETAILS)
@bp.response(200, CheckSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_check(check_id: int):
    """Läs en bakgrundskontroll

    Med källans strukturerade svar och id för underlaget.
    """
    check = db.session.get(BackgroundCheck, check_id)
    if check is None:
        abort(404)
    return check
