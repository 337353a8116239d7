"""Published reviews in the API: what one organisation published of a review for all the others.

Schemas only (and the summary the provider resource embeds), so that both the provider and the
review resources can use them without importing each other. A published review is a shared
record: every organisation reads the same one, naming its publisher; it never carries the
review's actions, contract, evidence file or the person who performed it.
"""
from __future__ import annotations

from typing import Any

from vendor_registry.api import schemas as s
from vendor_registry.codes import RatingDimension, ReviewKind, ReviewOutcome
from vendor_registry.organisations.tenancy import current_organisation_id
from vendor_registry.reviews import queries
from vendor_registry.reviews.models import PublishedReview

PublishedRatingsSchema = type("PublishedRatingsSchema", (s.ApiSchema,), {
    d.value: s.Int(allow_none=True, validate=s.int_range(1, 5)) for d in RatingDimension})


class _Ratings(s.Nested):
    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return {d.value: obj.rating(d) for d in RatingDimension}


class PublishedReviewSchema(s.ApiSchema):
    id = s.Int(required=True)
    provider = s.OrgNumber(required=True, attribute="provider.org_number")
    publisher = s.Text(required=True, attribute="publisher.name",
                       metadata={"description": "Organisationen som publicerade uppföljningen."})
    kind = s.Str(required=True, validate=s.one_of(ReviewKind))
    performed_on = s.Date(required=True)
    outcome = s.Str(required=True, validate=s.one_of(ReviewOutcome))
    ratings = _Ratings(PublishedRatingsSchema, required=True,
                       metadata={"description": "Betyg 1–5 per dimension; null = ej bedömt."})
    summary = s.Text(required=True, allow_none=True,
                     metadata={"description": "Sammanfattningen, om utgivaren valde att publicera den."})
    published_at = s.DateTime(required=True, attribute="updated_at",
                              metadata={"description": "När uppföljningen senast publicerades eller uppdaterades."})


class OutcomeCountsSchema(s.ApiSchema):
    satisfactory = s.Int(required=True)
    deficiencies = s.Int(required=True)
    serious_deficiencies = s.Int(required=True)


class PublishedSummarySchema(s.ApiSchema):
    since = s.Date(required=True, metadata={"description": "Början av perioden (ett år bakåt)."})
    organisations = s.Int(required=True, metadata={
        "description": "Antal andra organisationer som publicerat en uppföljning gjord sedan `since`."})
    outcomes = s.Nested(OutcomeCountsSchema, required=True, metadata={
        "description": "Varje organisation räknas en gång, med resultatet av sin senaste uppföljning."})
    href = s.Text(required=True, metadata={"description": "Listan med de publicerade uppföljningarna."})


class PublishedListSchema(s.ApiSchema):
    summary = s.Nested(PublishedSummarySchema, required=True)
    items = s.List(s.Nested(PublishedReviewSchema), required=True, metadata={
        "description": f"Andra organisationers publiceringar, nyaste först, högst {queries.PUBLISHED_LIST_LIMIT}."})


class PublishSchema(s.ApiSchema):
    include_summary = s.Bool(load_default=True, metadata={
        "description": "Ta med sammanfattningen (standard). Den får inte kunna peka ut en person."})


def summary_of(provider: Any, summary: queries.PublishedSummary | None = None) -> dict[str, Any]:
    """The summary of what the other organisations published about ``provider``."""
    if summary is None:
        summary = queries.published_summary(provider.id, excluding_organisation_id=current_organisation_id())
    return {
        "since": summary.since,
        "organisations": summary.organisations,
        "outcomes": {outcome.value: summary.outcomes.get(outcome, 0) for outcome in ReviewOutcome},
        "href": f"/api/v1/providers/{provider.org_number[:6]}-{provider.org_number[6:]}/published-reviews",
    }


class PublishedSummaryField(s.Nested):
    """The provider resource's ``published_reviews``: read when the provider is serialised."""

    def __init__(self, **kwargs: Any):
        super().__init__(PublishedSummarySchema, **kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return summary_of(obj)


__all__ = ["PublishSchema", "PublishedListSchema", "PublishedReview", "PublishedReviewSchema",
           "PublishedSummaryField", "PublishedSummarySchema", "summary_of"]
