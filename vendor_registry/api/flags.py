"""/api/v1/flags: the flag queue (same filters and order as the supervisors' queue), and the
acknowledge / resolve / dismiss transitions through ``flags.services`` (many at once through
``flags.bulk``)."""
from __future__ import annotations

from typing import Any

from flask import abort, g
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.errors import RECORD_SERIALIZERS, ApiProblem
from vendor_registry.api.providers import MAX_ID
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission, has_permission
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags import bulk, queries, services
from vendor_registry.flags.handling import history_of
from vendor_registry.flags.models import Flag
from vendor_registry.providers.orgnr import OrgNumberError, normalise_org_number
from vendor_registry.providers.queries import get_provider_by_org_number

bp = make_blueprint("api_flags", "Avvikelser: kö och hantering.")


class FlagSchema(s.ApiSchema):
    id = s.Int(required=True)
    provider = s.OrgNumber(required=True, attribute="provider.org_number",
                           metadata={"description": "Utförarens organisationsnummer."})
    provider_name = s.Str(required=True, attribute="provider.name")
    rule = s.Str(required=True, validate=s.one_of(FlagRule))
    subject = s.Str(required=True, attribute="subject_key",
                    metadata={"description": "Vad avvikelsen gäller, t.ex. licence:12 eller check:insurance."})
    severity = s.Str(required=True, validate=s.one_of(FlagSeverity))
    shared = s.Bool(required=True, metadata={"description": (
        "true: avvikelsen bygger på delade uppgifter (tillstånd, registerkontroller) och syns för alla "
        "organisationer; kvittens, ansvarig och avslut nedan är din organisations egna. false: din "
        "organisations egen avvikelse (avtal, uppföljning, manuella kontroller).")})
    status = s.Str(required=True, validate=s.one_of(FlagStatus), attribute="view.status",
                   metadata={"description": "Status som din organisation ser den."})
    raised_at = s.DateTime(required=True)
    last_seen_at = s.DateTime(required=True, attribute="last_seen")
    message = s.Str(required=True)
    acknowledged_at = s.DateTime(required=True, allow_none=True, attribute="view.acknowledged_at")
    ack_comment = s.Str(required=True, allow_none=True, attribute="view.ack_comment")
    snoozed_until = s.Date(required=True, allow_none=True, attribute="view.snoozed_until")
    resolved_at = s.DateTime(required=True, allow_none=True, attribute="view.resolved_at")
    resolution_note = s.Str(required=True, allow_none=True, attribute="view.resolution_note")
    resolved_by = s.Str(required=True, allow_none=True, attribute="view.resolved_by_label")
    assignee_id = s.Int(required=True, allow_none=True, attribute="view.assignee_id",
                        metadata={"description": "Ansvarig användare."})
    escalated_at = s.DateTime(required=True, allow_none=True)
    details = s.Dict(required=True, allow_none=True,
                     metadata={"description": "Regelns underlag, t.ex. tillståndets slutdatum eller kontrollens id."})
    version = s.Int(required=True, attribute="view.version")


class FlagQuerySchema(s.PageQuerySchema):
    status = s.Str(load_default="active", validate=s.one_of(queries.STATUS_CHOICES),
                   metadata={"description": "active = open eller acknowledged (standard)."})
    severity = s.Str(load_default=None, validate=s.one_of(FlagSeverity))
    rule = s.Str(load_default=None, validate=s.one_of(FlagRule))
    provider = s.Str(load_default=None, validate=s.length(20),
                     metadata={"description": "Organisationsnummer, med eller utan bindestreck."})


class FlagPageSchema(s.PageSchema):
    items = s.List(s.Nested(FlagSchema), required=True)


_VERSION = {"required": True, "validate": s.int_range(0, MAX_ID),
            "metadata": {"description": "Versionen du läste; är avvikelsen ändrad sedan dess blir svaret 409."}}


_SNOOZE = s.rule("Tillbaka i kön efter detta datum: efter i dag och högst 90 dagar fram.")
_ASSIGNEE = ("en aktiv enhetschef, upphandlare eller administratör (en person som kan hantera "
             "avvikelser)")


_NOT_BLANK = "Inte tom: minst ett tecken som inte är blanksteg."


class AcknowledgeSchema(s.ApiSchema):
    comment = s.Str(required=True, validate=s.length(5000), metadata=s.rule(_NOT_BLANK))
    snoozed_until = s.Date(allow_none=True, load_default=None, metadata=_SNOOZE)
    version = s.Int(**_VERSION)


class ResolveSchema(s.ApiSchema):
    note = s.Str(required=True, validate=s.length(5000), metadata=s.rule(_NOT_BLANK))
    confirm = s.Bool(load_default=False, metadata=s.rule(
        "true: lös även om villkoret fortfarande gäller (annars 422 med fältet confirm)."))
    version = s.Int(**_VERSION)


class DismissSchema(s.ApiSchema):
    justification = s.Str(required=True, validate=s.length(5000),
                          metadata=s.rule("Motivering, minst 10 tecken utöver inledande och avslutande blanksteg."))
    version = s.Int(**_VERSION)


class AssignSchema(s.ApiSchema):
    assignee_id = s.Int(required=True, allow_none=True, validate=s.int_range(1, MAX_ID),
                        metadata=s.rule(f"Id för {_ASSIGNEE}; null = ingen."))
    version = s.Int(**_VERSION)


class BulkItemSchema(s.ApiSchema):
    id = s.Int(required=True, validate=s.int_range(1, MAX_ID))
    version = s.Int(**_VERSION)


class BulkSchema(s.ApiSchema):
    action = s.Str(required=True, validate=s.one_of(bulk.ACTIONS),
                   metadata={"description": "acknowledge (alla roller som kvitterar) eller assign (enhetschef)."})
    items = s.List(s.Nested(BulkItemSchema), required=True, validate=s.list_length(1, bulk.MAX_SELECTED),
                   metadata={"description": "Avvikelserna med den version du läste."})
    comment = s.Str(load_default=None, allow_none=True, validate=s.length(2000),
                    metadata=s.rule("Krävs (inte tom) för acknowledge; sparas i varje avvikelse."))
    snoozed_until = s.Date(allow_none=True, load_default=None, metadata=s.rule(
        "acknowledge: tillbaka i kön efter detta datum: efter i dag och högst 90 dagar fram."))
    assignee_id = s.Int(load_default=None, allow_none=True, validate=s.int_range(1, MAX_ID),
                        metadata=s.rule(f"assign: id för {_ASSIGNEE}; null = ingen."))


class BulkSkippedSchema(s.ApiSchema):
    id = s.Int(required=True)
    reason = s.Str(required=True, metadata={"description": "Varför avvikelsen hoppades över (t.ex. redan avslutad)."})


class BulkResultSchema(s.ApiSchema):
    done = s.List(s.Nested(FlagSchema), required=True, metadata={"description": "Ändrade avvikelser."})
    skipped = s.List(s.Nested(BulkSkippedSchema), required=True, metadata={
        "description": "Avslutade, ändrade sedan angiven version eller okända: inte ändrade, inget fel för resten."})


class AuditEventSchema(s.ApiSchema):
    id = s.Int(required=True)
    occurred_at = s.DateTime(required=True)
    actor = s.Str(required=True, attribute="actor_label")
    actor_kind = s.Str(required=True, validate=s.one_of(["user", "api", "job", "system"]))
    action = s.Str(required=True, validate=s.one_of(["insert", "update", "delete"]))
    changes = s.Dict(required=True, metadata={"description": "Fält -> [före, efter]."})
    note = s.Text(required=True, allow_none=True)


class FlagHistorySchema(s.ApiSchema):
    items = s.List(s.Nested(AuditEventSchema), required=True, metadata={"description": "Nyaste först."})


def dump_flag(flag: Flag) -> dict[str, Any]:
    return FlagSchema().dump(flag)


RECORD_SERIALIZERS[Flag] = dump_flag


def _provider_or_none(org_number: str):
    """A filter on an unknown provider matches nothing (it is not an error)."""
    try:
        return get_provider_by_org_number(normalise_org_number(org_number))
    except OrgNumberError:
        return None


def _flag_or_404(flag_id: int) -> Flag:
    # populate_existing: the acting organisation's handling as it is now, even where the flag
    # is already in the session (loaded with another scope's handling, or before one was made)
    flag = db.session.scalar(db.select(Flag).where(Flag.id == flag_id).options(joinedload(Flag.provider))
                             .execution_options(populate_existing=True))
    if flag is None:
        abort(404)
    return flag


@bp.route("/flags", methods=["GET"])
@api_require(Permission.ACKNOWLEDGE_FLAG, Permission.RESOLVE_FLAG)  # as the flag queue page
@bp.arguments(FlagQuerySchema, location="query")
@bp.response(200, FlagPageSchema)
def list_flags(args: dict[str, Any]):
    """Lista avvikelser

    Allvarligast först, sedan äldst. Samma filter som kön i webbgränssnittet, plus utförare.
    """
    filters = queries.FlagFilters(status=args["status"], severity=args["severity"], rule=args["rule"])
    query = queries.flag_query(filters).options(joinedload(Flag.provider))
    if args["provider"]:
        provider = _provider_or_none(args["provider"])
        query = query.where(Flag.provider_id == (provider.id if provider else None))
    pagination = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
    return {"items": pagination.items, "page": args["page"], "per_page": args["per_page"],
            "total": pagination.total}


@bp.route("/flags/<id:flag_id>", methods=["GET"])
@api_require(Permission.ACKNOWLEDGE_FLAG, Permission.RESOLVE_FLAG)  # as the flag page
@bp.response(200, FlagSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_flag(flag_id: int):
    """Läs en avvikelse

    Med regelns underlag (details), kvittens, ansvarig och avslut.
    """
    return _flag_or_404(flag_id)


@bp.route("/flags/<id:flag_id>/history", methods=["GET"])
@api_require(Permission.ACKNOWLEDGE_FLAG, Permission.RESOLVE_FLAG)
@bp.response(200, FlagHistorySchema)
@bp.alt_response(404, response="NOT_FOUND")
def flag_history(flag_id: int):
    """Lista en avvikelses historik

    Varje ändring ur ändringsloggen: upptäckt, skärpt, kvitterad, tilldelad, löst eller avfärdad.
    """
    flag = _flag_or_404(flag_id)
    # A shared flag: with the caller's organisation's own handling of it (issue 14).
    return {"items": history_of(flag)}


def _transition(flag_id: int, apply) -> Flag:
    """A flag already resolved or dismissed cannot be changed: a conflict with its state (409)."""
    flag = _flag_or_404(flag_id)
    try:
        apply(flag)
    except services.ValidationFailed as error:
        if "status" in error.errors:
            db.session.rollback()
            raise ApiProblem(409, str(services.ERR_CLOSED)) from None
        raise
    db.session.commit()
    return flag


_CONFLICT = {"response": "CONFLICT",
             "description": "Avvikelsen har ändrats sedan angiven version, eller är redan avslutad."}


@bp.route("/flags/<id:flag_id>/acknowledge", methods=["POST"])
@api_require(Permission.ACKNOWLEDGE_FLAG)
@bp.arguments(AcknowledgeSchema)
@bp.response(200, FlagSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, **_CONFLICT)
def acknowledge_flag(data: dict[str, Any], flag_id: int):
    """Kvittera en avvikelse

    "Sedd, hanteras". Ett datum i snoozed_until lägger tillbaka den i kön efter det datumet.
    """
    return _transition(flag_id, lambda flag: services.acknowledge(
        flag, data["comment"], data["snoozed_until"], data["version"]))


@bp.route("/flags/<id:flag_id>/assign", methods=["POST"])
@api_require(Permission.RESOLVE_FLAG)
@bp.arguments(AssignSchema)
@bp.response(200, FlagSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, **_CONFLICT)
def assign_flag(data: dict[str, Any], flag_id: int):
    """Tilldela en avvikelse

    Till en person som kan hantera avvikelser, eller null för ingen.
    """
    assignee_id = data["assignee_id"]
    if assignee_id is not None and assignee_id not in {u.id for u in queries.assignable_users()}:
        raise services.ValidationFailed({"assignee_id": [_("Välj en aktiv användare som kan hantera avvikelser.")]})
    return _transition(flag_id, lambda flag: services.assign(flag, assignee_id, data["version"]))


@bp.route("/flags/<id:flag_id>/resolve", methods=["POST"])
@api_require(Permission.RESOLVE_FLAG)
@bp.arguments(ResolveSchema)
@bp.response(200, FlagSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, **_CONFLICT)
def resolve_flag(data: dict[str, Any], flag_id: int):
    """Lös en avvikelse

    Gäller villkoret fortfarande vägras det med 422 (fältet confirm) om inte confirm är true: en ny
    avvikelse skulle tas upp vid nästa körning. Avfärda i stället om den inte ska visas.
    """
    return _transition(flag_id, lambda flag: services.resolve(flag, data["note"], data["version"],
                                                              confirmed=data["confirm"]))


@bp.route("/flags/<id:flag_id>/dismiss", methods=["POST"])
@api_require(Permission.RESOLVE_FLAG)
@bp.arguments(DismissSchema)
@bp.response(200, FlagSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, **_CONFLICT)
def dismiss_flag(data: dict[str, Any], flag_id: int):
    """Avfärda en avvikelse

    Kräver en skriftlig motivering, som sparas i avvikelsen och i loggen.
    """
    return _transition(flag_id, lambda flag: services.dismiss(
        flag, data["justification"], data["version"]))


@bp.route("/flags/bulk", methods=["POST"])
@api_require(Permission.ACKNOWLEDGE_FLAG)
@bp.arguments(BulkSchema)
@bp.response(200, BulkResultSchema)
def bulk_flags(data: dict[str, Any]):
    """Kvittera eller tilldela flera avvikelser

    Samma kommentar eller ansvarig för varje avvikelse, en loggpost per avvikelse. En avvikelse som
    avslutats eller ändrats sedan angiven version hoppas över och listas i skipped; resten genomförs.
    Tilldelning kräver samma behörighet som för en avvikelse (enhetschef).
    """
    selection = {item["id"]: item["version"] for item in data["items"]}
    if data["action"] == "assign":
        if not has_permission(g.api_user, Permission.RESOLVE_FLAG):
            raise ApiProblem(403)
        result = bulk.assign(db.session, selection, data["assignee_id"],
                             [u.id for u in queries.assignable_users()])
    else:
        result = bulk.acknowledge(db.session, selection, data["comment"], data["snoozed_until"])
    # The flags in hand are as written (bulk brings them up to date): answering with them must not
    # reload each one, as expiring them on commit would.
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
    return {"done": result.done,
            "skipped": [{"id": item.flag_id, "reason": item.reason} for item in result.skipped]}
