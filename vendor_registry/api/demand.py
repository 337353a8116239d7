"""/api/v1/demand-profiles and /api/v1/match: the saved demand profiles, and matching against a
profile or an ad hoc set of requirements, ranked exactly as the matching page ranks (it is the
same ``demand.queries.run_match``)."""
from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from flask import abort
from sqlalchemy import select

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.providers import MAX_ID
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission
from vendor_registry.codes import ProfileStatus, RequirementKind
from vendor_registry.demand import queries
from vendor_registry.demand.models import Requirement
from vendor_registry.demand.requirements import AD_HOC_KINDS
from vendor_registry.extensions import db

bp = make_blueprint("api_demand", "Kravprofiler och matchning.")


class Scalar(ma.fields.Raw):
    """A requirement value: text, a number or true/false (never null, an object or a list);
    documented as exactly that, text with the same length and character rule as any text."""

    default_error_messages: ClassVar[dict[str, str]] = {
        **s.COMMON_MESSAGES, "invalid": s.N_("Ange text, ett tal eller true/false.")}
    _TEXT = s.Str(validate=s.length(200))

    def __init__(self, **kwargs: Any):
        one_of = [{"type": "string", "maxLength": 200, "pattern": s.TEXT_PATTERN}, {"type": "number"},
                  {"type": "boolean"}]
        super().__init__(**{**kwargs, "metadata": {"oneOf": one_of, **kwargs.get("metadata", {})}})

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return self._TEXT.deserialize(value)
        if not isinstance(value, int | float | bool):
            raise self.make_error("invalid")
        return value


class RequirementSchema(s.ApiSchema):
    kind = s.Str(required=True, validate=s.one_of([*RequirementKind, *AD_HOC_KINDS]))
    value = Scalar(required=True, metadata=s.rule(
        "Kravets värde enligt kravtypen: en kod ur kravtypens lista, ett tal eller true."))
    mandatory = s.Bool(metadata={"description": "Ska-krav: en utförare som inte uppfyller det utesluts."})
    weight = s.Int(validate=s.int_range(1, 10), metadata=s.rule(
        "Bör-krav: vikt 1–10; krävs när mandatory inte är true."))


class ProfileSchema(s.ApiSchema):
    id = s.Int(required=True)
    name = s.Str(required=True)
    description = s.Str(required=True, allow_none=True)
    status = s.Str(required=True, validate=s.one_of(ProfileStatus))
    version = s.Int(required=True)
    requirements = s.List(s.Nested(RequirementSchema), required=True)


class ProfileListSchema(s.ApiSchema):
    items = s.List(s.Nested(ProfileSchema), required=True)


class ProfileQuerySchema(s.QuerySchema):
    include_retired = s.QueryBool(load_default=False, metadata={"description": "true: även avvecklade profiler."})


class MatchRequestSchema(s.ApiSchema):
    profile_id = s.Int(validate=s.int_range(1, MAX_ID), metadata=s.rule(
        "En sparad kravprofil. Ange profile_id, requirements (minst ett krav) eller båda."))
    requirements = s.List(s.Nested(RequirementSchema), validate=s.list_length(0, 50),
                          metadata={"description": "Krav utöver (eller i stället för) profilens."})
    include_critical = s.Bool(load_default=False,
                              metadata={"description": "Ta med utförare med olöst kritisk avvikelse."})

    @ma.validates_schema
    def _profile_or_requirements(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("profile_id") is None and not data.get("requirements"):
            raise ma.ValidationError(s.N_("Ange profile_id eller requirements."), "profile_id")


class IncludedSchema(s.ApiSchema):
    org_number = s.Str(required=True)
    name = s.Str(required=True)
    score = s.Int(required=True)
    met = s.List(s.Str(), required=True)
    unmet = s.List(s.Str(), required=True)
    warnings = s.List(s.Str(), required=True)


class ExcludedSchema(s.ApiSchema):
    org_number = s.Str(required=True)
    name = s.Str(required=True)
    reasons = s.List(s.Str(), required=True)


class MatchResultSchema(s.ApiSchema):
    included = s.List(s.Nested(IncludedSchema), required=True, metadata={"description": "Rangordnade, bäst först."})
    excluded = s.List(s.Nested(ExcludedSchema), required=True, metadata={"description": "Med skälen."})


@bp.route("/demand-profiles", methods=["GET"])
@api_require(Permission.RUN_MATCHING)
@bp.arguments(ProfileQuerySchema, location="query")
@bp.response(200, ProfileListSchema)
def list_profiles(args: dict[str, Any]):
    """Lista kravprofiler"""
    profiles = queries.list_profiles(include_retired=args["include_retired"])
    requirements: dict[int, list[dict[str, Any]]] = {}
    if profiles:  # one statement for every profile's requirements
        rows = db.session.scalars(select(Requirement).where(Requirement.profile_id.in_([p.id for p in profiles]))
                                  .order_by(Requirement.profile_id, Requirement.position, Requirement.id))
        for row in rows:
            requirements.setdefault(row.profile_id, []).append(row.as_dict())
    return {"items": [{"id": p.id, "name": p.name, "description": p.description, "status": p.status,
                       "version": p.version, "requirements": requirements.get(p.id, [])} for p in profiles]}


@bp.route("/match", methods=["POST"])
@api_require(Permission.RUN_MATCHING)
@bp.arguments(MatchRequestSchema)
@bp.response(200, MatchResultSchema)
@bp.alt_response(404, response="NOT_FOUND", description="Kravprofilen finns inte.")
def run_match(data: dict[str, Any]):
    """Matcha utförare mot krav

    Antingen en sparad profil (`profile_id`), ad hoc-krav (`requirements`) eller båda. Ska-krav
    utesluter (med skäl), bör-krav ger poäng; ordningen är densamma som på matchningssidan.
    """
    try:
        result = queries.run_match(requirements=data.get("requirements"), profile_id=data.get("profile_id"),
                                   include_critical=data["include_critical"])
    except LookupError:
        abort(404)
    return result.as_dict()
