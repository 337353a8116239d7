"""/api/v1/providers/{org_number}/reviews, /api/v1/reviews/{id} and /api/v1/review-actions/{id}:
follow-ups of a provider with their ratings and required actions.

``reviews.services`` owns the rules (a social worker records placement follow-ups only; no
personal identity numbers in the text; action deadlines not before the review); a kind the
caller's role may not record is answered with 403, as on the pages.
"""
from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.errors import RECORD_SERIALIZERS, ApiProblem
from vendor_registry.api.providers import provider_items, provider_or_404
from vendor_registry.api.published import (
    PublishedListSchema,
    PublishedReviewSchema,
    PublishSchema,
    summary_of,
)
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission
from vendor_registry.codes import RatingDimension, ReviewKind, ReviewOutcome
from vendor_registry.extensions import db
from vendor_registry.organisations.tenancy import current_organisation_id
from vendor_registry.reviews import queries, services
from vendor_registry.reviews.models import PublishedReview, Review, ReviewAction

bp = make_blueprint("api_reviews", "Uppföljningar av utförare, med betyg och krav på åtgärder.")
_MAY_RECORD = (Permission.RECORD_REVIEW, Permission.RECORD_PLACEMENT_FOLLOW_UP)
_STALE = "Posten har ändrats sedan angiven version; svaret innehåller den som den är nu."


def _kind_refused() -> ApiProblem:
    return ApiProblem(403, _("Din roll får bara registrera och ändra uppföljningar efter placering."))


#: 1 (poor) to 5 (very good) per dimension; null = not assessed.
RatingsSchema = type("RatingsSchema", (s.ApiSchema,), {
    d.value: s.Int(allow_none=True, validate=s.int_range(1, 5)) for d in RatingDimension})


class _Ratings(s.Nested):
    """A review's rating columns, shown as one object keyed by dimension."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return {d.value: obj.rating(d) for d in RatingDimension}


class _Published(s.Bool):
    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return obj.publication is not None


class ActionSchema(s.ApiSchema):
    id = s.Int(required=True)
    review_id = s.Int(required=True)
    description = s.Str(required=True)
    deadline = s.Date(required=True)
    completed_on = s.Date(required=True, allow_none=True)
    version = s.Int(required=True)


class ReviewSchema(s.ApiSchema):
    id = s.Int(required=True)
    provider = s.OrgNumber(required=True, attribute="provider.org_number")
    kind = s.Str(required=True, validate=s.one_of(ReviewKind))
    performed_on = s.Date(required=True)
    outcome = s.Str(required=True, validate=s.one_of(ReviewOutcome))
    contract_id = s.Int(required=True, allow_none=True)
    summary = s.Str(required=True, allow_none=True)
    ratings = _Ratings(RatingsSchema, required=True,
                       metadata={"description": "Betyg 1–5 per dimension; null = ej bedömt."})
    actions = s.List(s.Nested(ActionSchema), required=True, metadata={"description": "Efter sista dag."})
    published = _Published(required=True, metadata={
        "description": "Publicerad för andra organisationer (PUT /reviews/{id}/publication)."})
    created_at = s.DateTime(required=True)
    updated_at = s.DateTime(required=True)
    version = s.Int(required=True)


class NewActionSchema(s.ApiSchema):
    description = s.Str(required=True, validate=s.length(500, 1))
    deadline = s.Date(required=True, metadata=s.rule("Inte före uppföljningens datum (performed_on)."))


class ActionChangeSchema(s.ApiSchema):
    id = s.Int(validate=s.int_range(1, s.MAX_ID), metadata={"description": "Utelämnas för en ny åtgärd."})
    description = s.Str(validate=s.length(500))
    deadline = s.Date(allow_none=True)
    delete = s.Bool(metadata={"description": "true tar bort åtgärden med detta id."})


def _review_fields(create: bool) -> dict[str, Any]:
    req = {"required": True} if create else {}
    return {
        "kind": s.Str(validate=s.one_of(ReviewKind), **req),
        "performed_on": s.Date(metadata=s.rule("Inte i framtiden."), **req),
        "outcome": s.Str(validate=s.one_of(ReviewOutcome), **req),
        "contract_id": s.Int(allow_none=True, validate=s.int_range(1, s.MAX_ID),
                             metadata=s.rule("Id för ett av utförarens avtal.")),
        "summary": s.Str(allow_none=True, validate=s.length(10_000),
                         metadata={"description": "Om utföraren, aldrig om den placerade personen."}),
        "ratings": s.Nested(RatingsSchema, metadata={"description": "Betyg 1–5 per dimension; null = ej bedömt."}),
    }


ReviewCreateSchema = type("ReviewCreateSchema", (s.ApiSchema,), {
    **_review_fields(create=True),
    "actions": s.List(s.Nested(NewActionSchema), validate=s.list_length(0, 50)),
})
ReviewPatchSchema = type("ReviewPatchSchema", (s.ApiSchema,), {
    **_review_fields(create=False),
    "actions": s.List(s.Nested(ActionChangeSchema), validate=s.list_length(0, 50), metadata={
        "description": "Ändrade, nya (utan id) eller borttagna (delete) åtgärder; övriga lämnas orörda."}),
    "version": s.version_field(),
})


class ReviewListSchema(s.ApiSchema):
    items = s.List(s.Nested(ReviewSchema), required=True, metadata={"description": "Nyaste först."})


class CompleteSchema(s.ApiSchema):
    version = s.version_field()


RECORD_SERIALIZERS[Review] = ReviewSchema().dump
RECORD_SERIALIZERS[ReviewAction] = ActionSchema().dump


def _service_data(data: dict[str, Any]) -> dict[str, Any]:
    """API shape -> the service's (form-shaped) input: ratings flattened, deletions as empty rows."""
    values = {key: value for key, value in data.items() if key not in ("ratings", "actions")}
    for dimension, rating in (data.get("ratings") or {}).items():
        values[f"rating_{dimension}"] = rating
    rows = []
    for row in data.get("actions") or []:
        if row.get("delete"):
            rows.append({"id": row.get("id"), "description": "", "deadline": None})
        else:
            rows.append({"id": row.get("id"), "description": row.get("description", ""),
                         "deadline": row.get("deadline")})
    values["actions"] = rows
    return values


def _current(review: Review) -> dict[str, Any]:
    values = {key: getattr(review, key) for key in ("kind", "performed_on", "outcome", "contract_id", "summary")}
    values.update({name: getattr(review, name) for name in services.RATING_FIELDS})
    return values


@bp.route("/providers/<orgnr:org_number>/reviews", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, ReviewListSchema)
@bp.alt_response(404, response="NOT_FOUND")
def list_reviews(org_number: str):
    """Lista en utförares uppföljningar"""
    return provider_items(org_number, queries.reviews_for_provider)


@bp.route("/providers/<orgnr:org_number>/reviews", methods=["POST"])
@api_require(*_MAY_RECORD)
@bp.arguments(ReviewCreateSchema)
@bp.response(201, ReviewSchema)
@bp.alt_response(404, response="NOT_FOUND")
def create_review(data: dict[str, Any], org_number: str):
    """Registrera en uppföljning

    Socialsekreterare kan registrera uppföljningar efter placering (placement_follow_up).
    """
    provider = provider_or_404(org_number)
    if not services.may_record(g.api_user, data["kind"]):
        raise _kind_refused()
    review = services.create_review(provider, _service_data(data))
    db.session.commit()
    return review


@bp.route("/reviews/<id:review_id>", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, ReviewSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_review(review_id: int):
    """Läs en uppföljning"""
    return queries.get_review_or_404(review_id)


@bp.route("/reviews/<id:review_id>", methods=["PATCH"])
@api_require(*_MAY_RECORD)
@bp.arguments(ReviewPatchSchema)
@bp.response(200, ReviewSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT", description=_STALE)
def update_review(data: dict[str, Any], review_id: int):
    """Ändra en uppföljning

    Skicka de fält som ska ändras, plus `version`. Åtgärder som inte nämns lämnas orörda.
    """
    review = queries.get_review_or_404(review_id)
    seen_version = data.pop("version")
    if not services.may_record(g.api_user, review.kind) or (
            "kind" in data and not services.may_record(g.api_user, data["kind"])):
        raise _kind_refused()
    services.update_review(review, {**_current(review), **_service_data(data)}, seen_version)
    db.session.commit()
    return review


@bp.route("/review-actions/<id:action_id>/complete", methods=["POST"])
@api_require(*_MAY_RECORD)
@bp.arguments(CompleteSchema)
@bp.response(200, ActionSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT", description=_STALE)
def complete_action(data: dict[str, Any], action_id: int):
    """Markera en åtgärd som genomförd

    I dag som datum; att markera en redan genomförd åtgärd ändrar inget.
    """
    action = queries.get_action_or_404(action_id)
    if not services.may_record(g.api_user, action.review.kind):
        raise _kind_refused()
    services.complete_action(action, data["version"])
    db.session.commit()
    return action


@bp.route("/reviews/<id:review_id>/publication", methods=["PUT"])
@api_require(Permission.RECORD_REVIEW)
@bp.arguments(PublishSchema)
@bp.response(200, PublishedReviewSchema)
@bp.alt_response(404, response="NOT_FOUND")
def publish_review(data: dict[str, Any], review_id: int):
    """Publicera en uppföljning för andra organisationer

    Alla andra organisationer ser då typ, datum, resultat, betyg och (om `include_summary`)
    sammanfattningen, med er organisations namn; aldrig åtgärder, avtal, underlag eller vem
    som gjorde uppföljningen. Att publicera igen uppdaterar det som visas. Uppföljningar efter
    placering kan inte publiceras (422).
    """
    review = queries.get_review_or_404(review_id)
    if not services.may_record(g.api_user, review.kind):
        raise _kind_refused()
    publication = services.publish_review(review, include_summary=data["include_summary"])
    db.session.commit()
    return publication


@bp.route("/reviews/<id:review_id>/publication", methods=["DELETE"])
@api_require(Permission.RECORD_REVIEW)
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND")
def unpublish_review(review_id: int):
    """Dra tillbaka en publicering

    Andra organisationer ser inte längre uppföljningen. Att dra tillbaka en opublicerad ändrar inget.
    """
    review = queries.get_review_or_404(review_id)
    if not services.may_record(g.api_user, review.kind):
        raise _kind_refused()
    services.unpublish_review(review)
    db.session.commit()


@bp.route("/providers/<orgnr:org_number>/published-reviews", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, PublishedListSchema)
@bp.alt_response(404, response="NOT_FOUND")
def list_published(org_number: str):
    """Lista vad andra organisationer har publicerat om en utförare

    Sammanfattningen räknar varje organisation en gång under det senaste året, med resultatet
    av dess senaste publicerade uppföljning; listan har alla andra organisationers publiceringar.
    """
    provider = provider_or_404(org_number)
    summary = queries.published_summary(provider.id, excluding_organisation_id=current_organisation_id())
    return {"summary": summary_of(provider, summary), "items": summary.items}


@bp.route("/published-reviews/<id:published_id>", methods=["GET"])
@api_require(Permission.VIEW_PROVIDERS)
@bp.response(200, PublishedReviewSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_published(published_id: int):
    """Läs en publicerad uppföljning

    Publicerade uppföljningar är delade: alla organisationer läser samma post.
    """
    return queries.get_published_or_404(published_id)


RECORD_SERIALIZERS[PublishedReview] = PublishedReviewSchema().dump
