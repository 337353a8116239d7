"""Review writes: record and edit follow-ups of a provider, and complete their actions.

A review is about how a provider delivered, never about the person placed there; the
service therefore refuses text that looks like a Swedish personal identity number, and a
user who may only record placement follow-ups cannot record or edit any other kind. The user
is the acting person of the audit context (``acting_user``), as for every other service;
with no person acting, the writes refuse (NoActingPerson, a PermissionError).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from vendor_registry import clock
from vendor_registry.audit.context import acting_user
from vendor_registry.auth.permissions import Permission, has_permission
from vendor_registry.background_checks.evidence import check_document_belongs
from vendor_registry.codes import RatingDimension, ReviewKind, ReviewOutcome
from vendor_registry.concurrency import check_version
from vendor_registry.contracts.models import Contract
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider
from vendor_registry.reviews.models import PublishedReview, Review, ReviewAction

RATING_FIELDS = tuple(f"rating_{d.value}" for d in RatingDimension)
# YYMMDD-NNNN, YYYYMMDDNNNN and the like: a personal identity number has no place here.
_PERSONAL_NUMBER = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")
_NO_PERSONAL_DATA = _l("Texten ser ut att innehålla ett personnummer. Skriv inga uppgifter om den placerade personen.")

__all__ = ["ValidationFailed", "allowed_kinds", "complete_action", "create_review", "may_publish", "may_record",
           "publish_review", "unpublish_review", "update_review"]

#: What may be published for the other organisations. A follow-up after a placement may not: its
#: date, the provider and the publishing municipality together say where and when that
#: municipality placed someone (for a person under threat, the very thing to keep secret).
PUBLISHABLE_KINDS = tuple(kind for kind in ReviewKind if kind is not ReviewKind.PLACEMENT_FOLLOW_UP)
_NOT_PUBLISHABLE = _l("En uppföljning efter placering kan inte publiceras: datum, utförare och kommun "
                      "tillsammans kan röja en placering.")


def allowed_kinds(user: Any) -> list[ReviewKind]:
    """The review kinds ``user`` may record: all of them, or only placement follow-ups."""
    if has_permission(user, Permission.RECORD_REVIEW):
        return list(ReviewKind)
    if has_permission(user, Permission.RECORD_PLACEMENT_FOLLOW_UP):
        return [ReviewKind.PLACEMENT_FOLLOW_UP]
    return []


def may_record(user: Any, kind: ReviewKind | str) -> bool:
    try:
        return ReviewKind(kind) in allowed_kinds(user)
    except ValueError:
        return False


def _add(errors: dict[str, list[Any]], key: str, message: Any) -> None:
    errors.setdefault(key, []).append(message)


def _clean(provider: Provider, data: Mapping[str, Any], user: Any, errors: dict[str, list[Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    try:
        values["kind"] = ReviewKind(data.get("kind"))
    except ValueError:
        _add(errors, "kind", _l("Välj typ av uppföljning."))
    else:
        if not may_record(user, values["kind"]):
            _add(errors, "kind", _l("Din roll får bara registrera uppföljningar efter placering."))
    performed_on = data.get("performed_on")
    if not isinstance(performed_on, date):
        _add(errors, "performed_on", _l("Ange datum för uppföljningen."))
    elif performed_on > clock.today():
        _add(errors, "performed_on", _l("Datumet kan inte ligga i framtiden."))
    values["performed_on"] = performed_on
    try:
        values["outcome"] = ReviewOutcome(data.get("outcome"))
    except ValueError:
        _add(errors, "outcome", _l("Välj ett resultat."))
    for name in RATING_FIELDS:
        rating = data.get(name)
        if rating in (None, ""):
            values[name] = None
        elif not isinstance(rating, int) or not 1 <= rating <= 5:
            _add(errors, name, _l("Välj ett betyg mellan 1 och 5, eller Ej bedömt."))
        else:
            values[name] = rating
    contract_id = data.get("contract_id")
    if contract_id:
        contract = db.session.get(Contract, int(contract_id))
        if contract is None or contract.provider_id != provider.id:
            _add(errors, "contract_id", _l("Avtalet hör inte till den här utföraren."))
    values["contract_id"] = int(contract_id) if contract_id else None
    summary = (data.get("summary") or "").strip() or None
    if summary and _PERSONAL_NUMBER.search(summary):
        _add(errors, "summary", _NO_PERSONAL_DATA)
    values["summary"] = summary
    if "evidence_document_id" in data:
        try:
            values["evidence_document_id"] = check_document_belongs(provider.id, data["evidence_document_id"])
        except ValueError:
            _add(errors, "evidence_document_id", _l("Filen hör inte till den här utförarens underlag."))
    return values


def _clean_actions(data: Mapping[str, Any], performed_on: Any, errors: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Rows left entirely empty are ignored; a half-filled row is an error on that row."""
    cleaned = []
    for index, row in enumerate(data.get("actions") or []):
        description = (row.get("description") or "").strip()
        deadline = row.get("deadline")
        action_id = int(row["id"]) if row.get("id") else None
        if not description and deadline is None:
            if action_id:
                cleaned.append({"id": action_id, "delete": True})
            continue
        if not description:
            _add(errors, f"actions-{index}-description", _l("Beskriv åtgärden."))
        elif _PERSONAL_NUMBER.search(description):
            _add(errors, f"actions-{index}-description", _NO_PERSONAL_DATA)
        if deadline is None:
            _add(errors, f"actions-{index}-deadline", _l("Ange en sista dag för åtgärden."))
        elif isinstance(performed_on, date) and deadline < performed_on:
            _add(errors, f"actions-{index}-deadline", _l("Sista dagen kan inte ligga före uppföljningens datum."))
        cleaned.append({"id": action_id, "description": description, "deadline": deadline})
    return cleaned


def _apply_actions(review: Review, rows: list[dict[str, Any]]) -> None:
    by_id = {action.id: action for action in review.actions}
    for row in rows:
        if row["id"] is None:
            review.actions.append(ReviewAction(provider_id=review.provider_id, description=row["description"],
                                               deadline=row["deadline"]))
            continue
        action = by_id.get(row["id"])
        if action is None:
            continue  # a row for an action that is no longer there: nothing to update
        if row.get("delete"):
            review.actions.remove(action)
        else:
            action.description = row["description"]
            action.deadline = row["deadline"]


def create_review(provider: Provider, data: Mapping[str, Any]) -> Review:
    """Record a review by the acting person; every field rule is checked before anything is added."""
    user = acting_user()
    errors: dict[str, list[Any]] = {}
    values = _clean(provider, data, user, errors)
    rows = _clean_actions(data, values.get("performed_on"), errors)
    if errors:
        raise ValidationFailed(errors)
    review = Review(provider_id=provider.id, performed_by_id=user.id, **values)
    db.session.add(review)
    _apply_actions(review, [row for row in rows if row["id"] is None])
    db.session.flush()
    return review


def update_review(review: Review, data: Mapping[str, Any], seen_version: int | str | None) -> Review:
    """Apply the acting person's edit made on ``seen_version``; a stale edit raises StaleRecordError."""
    user = acting_user()
    check_version(review, seen_version)
    if not may_record(user, review.kind):
        raise PermissionError(review.kind)
    errors: dict[str, list[Any]] = {}
    values = _clean(review.provider, data, user, errors)
    rows = _clean_actions(data, values.get("performed_on"), errors)
    if review.publication is not None and values.get("kind") not in (None, *PUBLISHABLE_KINDS):
        _add(errors, "kind", _l("Uppföljningen är publicerad och kan inte bli en uppföljning efter placering. "
                                "Dra tillbaka publiceringen först."))
    if errors:
        raise ValidationFailed(errors)
    for key, value in values.items():
        setattr(review, key, value)
    _apply_actions(review, rows)
    if review.publication is not None:  # what the others see follows the correction
        _copy_published(review, review.publication, include_summary=review.publication.summary is not None)
    db.session.flush()
    return review


def complete_action(action: ReviewAction, seen_version: int | str | None,
                    on: date | None = None) -> ReviewAction:
    """Mark a required action done; completing it twice is harmless, a stale click is not."""
    user = acting_user()
    check_version(action, seen_version)
    if not may_record(user, action.review.kind):
        raise PermissionError(action.review.kind)
    if action.completed_on is None:
        action.completed_on = on or clock.today()
        db.session.flush()
    return action



def may_publish(user: Any, review: Review) -> bool:
    """Who may record the review's kind may publish it, if the kind may be published at all."""
    return review.kind in PUBLISHABLE_KINDS and may_record(user, review.kind)


def _copy_published(review: Review, publication: PublishedReview, *, include_summary: bool) -> None:
    publication.provider_id = review.provider_id
    publication.kind = review.kind
    publication.performed_on = review.performed_on
    publication.outcome = review.outcome
    publication.summary = review.summary if include_summary else None
    for name in RATING_FIELDS:
        setattr(publication, name, getattr(review, name))


def publish_review(review: Review, *, include_summary: bool = True) -> PublishedReview:
    """Show the review's outcome (and, if wished, its summary) to every other organisation,
    under the name of the organisation that made it; publishing again refreshes what is shown.

    Only the review's own organisation can reach it (it is an own record), and the publisher is
    the review's organisation, never something a request names. The summary passes the
    personal-data guard again (a review saved before the guard existed is checked here too)."""
    user = acting_user()
    if review.kind not in PUBLISHABLE_KINDS:
        raise ValidationFailed({"kind": [_NOT_PUBLISHABLE]})
    if not may_publish(user, review):
        raise PermissionError(review.kind)
    if include_summary and review.summary and _PERSONAL_NUMBER.search(review.summary):
        raise ValidationFailed({"summary": [_NO_PERSONAL_DATA]})
    publication = review.publication
    if publication is None:
        publication = PublishedReview(publisher_organisation_id=review.organisation_id)
        review.publication = publication
    _copy_published(review, publication, include_summary=include_summary)
    db.session.flush()
    return publication


def unpublish_review(review: Review) -> None:
    """Withdraw what was published; withdrawing twice is harmless."""
    user = acting_user()
    if not may_record(user, review.kind):
        raise PermissionError(review.kind)
    publication = review.publication
    if publication is not None:
        db.session.delete(publication)  # explicitly: an orphan removed by the cascade alone is not audited
        review.publication = None
        db.session.flush()
