"""Review reads shared by the review pages, the provider page and the API."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db
from vendor_registry.reviews.models import Review, ReviewAction


def get_review_or_404(review_id: int) -> Review:
    review = db.session.scalar(
        select(Review).where(Review.id == review_id)
        .options(selectinload(Review.actions), selectinload(Review.provider))
    )
    if review is None:
        abort(404)
    return review


def get_action_or_404(action_id: int) -> ReviewAction:
    action = db.session.scalar(
        select(ReviewAction).where(ReviewAction.id == action_id).options(selectinload(ReviewAction.review))
    )
    if action is None:
        abort(404)
    return action


def reviews_for_provider(provider_id: int) -> list[Review]:
    """Newest first, with their actions loaded in one more statement (not one per review)."""
    return list(db.session.scalars(
        select(Review).where(Review.provider_id == provider_id)
        .options(selectinload(Review.actions))
        .order_by(Review.performed_on.desc(), Review.id.desc())
    ))


def contracts_of(provider_id: int) -> list[Contract]:
    return list(db.session.scalars(
        select(Contract).where(Contract.provider_id == provider_id).order_by(Contract.starts_on.desc())
    ))
