"""Review reads shared by the review pages, the provider page and the API."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vendor_registry import clock
from vendor_registry.codes import ReviewOutcome
from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db
from vendor_registry.reviews.models import PublishedReview, Review, ReviewAction

#: "N organisations have followed the provider up in the last year".
PUBLISHED_WINDOW_DAYS = 365
#: The newest publications listed with links (the summary counts the whole window).
PUBLISHED_LIST_LIMIT = 100


def get_review_or_404(review_id: int) -> Review:
    review = db.session.scalar(
        select(Review).where(Review.id == review_id)
        .options(selectinload(Review.actions), selectinload(Review.provider), selectinload(Review.publication))
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
        .options(selectinload(Review.actions), selectinload(Review.publication))
        .order_by(Review.performed_on.desc(), Review.id.desc())
    ))


def contracts_of(provider_id: int) -> list[Contract]:
    return list(db.session.scalars(
        select(Contract).where(Contract.provider_id == provider_id).order_by(Contract.starts_on.desc())
    ))


@dataclass
class PublishedSummary:
    """What other organisations have published about one provider: within the window, each
    organisation counts once, by its latest publication's outcome ("3 organisations: 2
    satisfactory, 1 serious deficiencies"); ``items`` are the publications, newest first."""

    since: date
    items: list[PublishedReview] = field(default_factory=list)
    outcomes: dict[ReviewOutcome, int] = field(default_factory=dict)

    @property
    def organisations(self) -> int:
        return sum(self.outcomes.values())

    def outcome_counts(self) -> list[tuple[ReviewOutcome, int]]:
        """Best outcome first, only those that occur."""
        return [(outcome, self.outcomes[outcome])
                for outcome in sorted(self.outcomes, key=lambda o: -o.rank) if self.outcomes[outcome]]


def published_reviews(provider_id: int, *, excluding_organisation_id: int | None = None,
                      limit: int = PUBLISHED_LIST_LIMIT) -> list[PublishedReview]:
    """A provider's publications with their publishers (one statement), newest first."""
    stmt = (select(PublishedReview).where(PublishedReview.provider_id == provider_id)
            .options(joinedload(PublishedReview.publisher))
            .order_by(PublishedReview.performed_on.desc(), PublishedReview.id.desc()).limit(limit))
    if excluding_organisation_id is not None:
        stmt = stmt.where(PublishedReview.publisher_organisation_id != excluding_organisation_id)
    return list(db.session.scalars(stmt))


def summarise(items: list[PublishedReview], today: date | None = None) -> PublishedSummary:
    since = (today or clock.today()) - timedelta(days=PUBLISHED_WINDOW_DAYS)
    latest: dict[int, PublishedReview] = {}
    for item in items:  # newest first: the first one of each organisation is its latest
        if item.performed_on >= since:
            latest.setdefault(item.publisher_organisation_id, item)
    outcomes: dict[ReviewOutcome, int] = {}
    for item in latest.values():
        outcomes[item.outcome] = outcomes.get(item.outcome, 0) + 1
    return PublishedSummary(since=since, items=items, outcomes=outcomes)


def published_summary(provider_id: int, *, excluding_organisation_id: int | None = None) -> PublishedSummary:
    """What the others have published about the provider (``excluding`` the viewer's own)."""
    return summarise(published_reviews(provider_id, excluding_organisation_id=excluding_organisation_id))


def get_published_or_404(published_id: int) -> PublishedReview:
    published = db.session.scalar(
        select(PublishedReview).where(PublishedReview.id == published_id)
        .options(joinedload(PublishedReview.publisher), joinedload(PublishedReview.provider)))
    if published is None:
        abort(404)
    return published
