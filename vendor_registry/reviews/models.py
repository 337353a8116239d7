"""Structured follow-ups of a provider (never case records about a person)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.codes import RatingDimension, ReviewKind, ReviewOutcome
from vendor_registry.database import TimestampMixin, VersionedMixin, enum_type
from vendor_registry.extensions import db
from vendor_registry.organisations.models import Organisation, OwnedByOrganisation
from vendor_registry.providers.models import Provider


class Review(OwnedByOrganisation, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(enum_type(ReviewKind))
    performed_on: Mapped[date] = mapped_column(index=True)
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_type(ReviewOutcome))
    summary: Mapped[str | None] = mapped_column(Text)
    # Ratings per dimension, 1 (poor) to 5 (very good); None when not assessed.
    rating_delivered_as_agreed: Mapped[int | None]
    rating_staff_competence: Mapped[int | None]
    rating_safety: Mapped[int | None]
    rating_cooperation: Mapped[int | None]
    rating_documentation: Mapped[int | None]
    # The uploaded file the review rests on (a visit report, minutes), if any.
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_documents.id"))

    provider: Mapped[Provider] = relationship()
    actions: Mapped[list[ReviewAction]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewAction.deadline"
    )
    # What the organisation has published of it for the others, if anything (one or none).
    publication: Mapped[PublishedReview | None] = relationship(
        back_populates="review", cascade="all, delete-orphan", uselist=False
    )

    def rating(self, dimension: RatingDimension) -> int | None:
        return getattr(self, f"rating_{dimension.value}")


class ReviewAction(OwnedByOrganisation, TimestampMixin, VersionedMixin, db.Model):
    """A required action from a review, with a deadline the review sweep watches."""

    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    deadline: Mapped[date]
    completed_on: Mapped[date | None]

    review: Mapped[Review] = relationship(back_populates="actions")


class PublishedReview(TimestampMixin, db.Model):
    """What an organisation chose to show the others of one of its reviews: a shared record
    (no organisation filter: every organisation reads it) that names its publisher.

    A copy of the facts that say how the provider delivered: kind, date, outcome, the five
    ratings (numbers 1-5, about the provider's work) and, if the publisher chose so, the summary
    after the personal-data guard of ``reviews.services``. Never the actions' text, the
    contract, the evidence file or who performed the review: those stay the organisation's own.
    The copy follows the review when the publisher edits it, and goes when it is withdrawn."""

    __tablename__ = "published_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    publisher_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(enum_type(ReviewKind))
    performed_on: Mapped[date] = mapped_column(index=True)
    outcome: Mapped[ReviewOutcome] = mapped_column(enum_type(ReviewOutcome))
    summary: Mapped[str | None] = mapped_column(Text)
    rating_delivered_as_agreed: Mapped[int | None]
    rating_staff_competence: Mapped[int | None]
    rating_safety: Mapped[int | None]
    rating_cooperation: Mapped[int | None]
    rating_documentation: Mapped[int | None]

    review: Mapped[Review] = relationship(back_populates="publication")
    provider: Mapped[Provider] = relationship()
    publisher: Mapped[Organisation] = relationship()

    def rating(self, dimension: RatingDimension) -> int | None:
        return getattr(self, f"rating_{dimension.value}")
