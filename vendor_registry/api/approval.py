"""/api/v1/providers/{org_number}/approval: the approval status, its history, and status changes.

The workflow (which transitions exist, who may make them, the critical-flag override) is
``standing.approval``; this module maps HTTP onto ``approval.transition`` and answers a
transition the caller's role may not make with 403 before anything is read or written.
"""
from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.errors import ApiProblem
from vendor_registry.api.providers import provider_or_404
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission, has_permission
from vendor_registry.codes import ProviderStatus
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider
from vendor_registry.standing import approval
from vendor_registry.standing.sections import approval_events

bp = make_blueprint("api_approval", "Godkännande: status, statusändringar och deras historik.")


class ApprovalEventSchema(s.ApiSchema):
    id = s.Int(required=True)
    from_status = s.Str(required=True, allow_none=True, validate=s.one_of(ProviderStatus))
    to_status = s.Str(required=True, validate=s.one_of(ProviderStatus))
    actor = s.Str(required=True, attribute="actor_label")
    reason = s.Str(required=True, allow_none=True)
    override_justification = s.Str(required=True, allow_none=True,
                                   metadata={"description": "Motivering när utföraren godkändes trots "
                                                            "en öppen kritisk avvikelse."})
    conditions = s.Str(required=True, allow_none=True)
    conditions_until = s.Date(required=True, allow_none=True)
    created_at = s.DateTime(required=True)


class ApprovalSchema(s.ApiSchema):
    provider = s.OrgNumber(required=True, attribute="org_number")
    status = s.Str(required=True, validate=s.one_of(ProviderStatus))
    status_changed_at = s.DateTime(required=True)
    approved_at = s.DateTime(required=True, allow_none=True)
    conditions = s.Str(required=True, allow_none=True)
    conditions_until = s.Date(required=True, allow_none=True)
    open_critical_flags = s.Int(required=True, metadata={
        "description": "Antal olösta kritiska avvikelser; är det fler än 0 kräver ett godkännande "
                       "override_justification."})
    transitions = s.codes(list(approval.TRANSITIONS), required=True, metadata={
        "description": "Statusändringar som din roll kan göra från nuvarande status."})
    history = s.List(s.Nested(ApprovalEventSchema), required=True, metadata={"description": "Nyaste först."})
    version = s.Int(required=True, metadata={"description": "Skicka med vid statusändring."})


class TransitionSchema(s.ApiSchema):
    transition = s.Str(required=True, validate=s.one_of(list(approval.TRANSITIONS)), metadata={
        "description": "submit, approve, approve_conditionally, reject, suspend, reinstate, deactivate "
                       "eller reopen."})
    reason = s.Str(allow_none=True, validate=s.length(5000),
                   metadata=s.rule("Skäl; krävs (inte tomt) för reject, suspend, reinstate och deactivate."))
    override_justification = s.Str(allow_none=True, validate=s.length(5000), metadata=s.rule(
        "Krävs för att godkänna en utförare med en öppen kritisk avvikelse; sparas i loggen."))
    conditions = s.Str(allow_none=True, validate=s.length(5000),
                       metadata=s.rule("Villkoren; krävs (inte tomma) för approve_conditionally."))
    conditions_until = s.Date(allow_none=True, metadata=s.rule(
        "Senast då villkoren ska vara uppfyllda, inte i det förflutna; krävs för approve_conditionally."))
    version = s.version_field()


def _approval(provider: Provider) -> dict[str, Any]:
    return {
        "org_number": provider.org_number, "status": provider.status,
        "status_changed_at": provider.status_changed_at, "approved_at": provider.approved_at,
        "conditions": provider.conditions, "conditions_until": provider.conditions_until,
        "open_critical_flags": len(approval.open_critical_flags(provider)),
        "transitions": [t.name for t in approval.allowed_transitions(provider, g.api_user)],
        "history": approval_events(provider.id), "version": provider.version,
    }


@bp.route("/providers/<orgnr:org_number>/approval", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, ApprovalSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_approval(org_number: str):
    """Läs godkännandestatus och historik

    Med de statusändringar din roll kan göra nu och antalet öppna kritiska avvikelser.
    """
    return _approval(provider_or_404(org_number))


@bp.route("/providers/<orgnr:org_number>/approval", methods=["POST"])
@api_require(Permission.DECIDE_APPROVAL, Permission.EDIT_PROVIDERS)
@bp.arguments(TransitionSchema)
@bp.response(200, ApprovalSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT",
                 description="Utföraren har ändrats sedan angiven version; svaret innehåller den som den är nu.")
def change_status(data: dict[str, Any], org_number: str):
    """Ändra godkännandestatus

    Beslut (godkänn, avslå, stäng av, återinför, gör inaktiv) fattas av enhetschef; att skicka
    ett utkast till granskning och att återöppna kan även upphandlare göra. Har utföraren en
    öppen kritisk avvikelse krävs `override_justification` för att godkänna.
    """
    provider = provider_or_404(org_number)
    spec = approval.TRANSITIONS[data["transition"]]
    if not any(has_permission(g.api_user, p) for p in spec.permissions):
        raise ApiProblem(403, _("Din roll får inte göra den här statusändringen; beslut om godkännande "
                                "fattas av enhetschef."))
    approval.transition(
        provider, spec.name, reason=data.get("reason"),
        override_justification=data.get("override_justification"), conditions=data.get("conditions"),
        conditions_until=data.get("conditions_until"), seen_version=data["version"],
    )
    db.session.commit()
    return _approval(provider)
