"""Shared on purpose: an organisation publishes a review's outcome (and, if it wishes, its
summary) for the others; they see "N other organisations followed the provider up in the last
year: …" with links, and never the review's actions, contract, file or person."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_organisation, make_provider, make_review, make_user
from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import ReviewKind, ReviewOutcome
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.organisations import tenancy
from vendor_registry.organisations.models import Organisation
from vendor_registry.organisations.services import rename_organisation
from vendor_registry.reviews import queries, services
from vendor_registry.reviews.models import PublishedReview, Review, ReviewAction

TODAY = date.today()
ACTION_TEXT = "Inför journalrutin för nattpersonalen"


def _organisations():
    malmo = db.session.get(Organisation, tenancy.default_organisation_id())
    rename_organisation(malmo, "Malmö stad")
    lund = make_organisation("Lunds kommun")
    return malmo, lund


def _review(provider, organisation, **kw):
    review = make_review(provider, organisation_id=organisation.id, performed_on=kw.pop("performed_on", TODAY - timedelta(days=20)),
                         summary=kw.pop("summary", "Leveransen fungerade väl, dokumentationen kan bli bättre."), **kw)
    review.actions.append(ReviewAction(provider_id=provider.id, description=ACTION_TEXT, deadline=TODAY + timedelta(days=30),
                                       organisation_id=organisation.id))
    db.session.flush()
    return review


def _as(user):
    return Actor("user", user.email, user.id, user)


def _publish(review, user, **kw):
    with acting_as(_as(user)), tenancy.within_organisation(review.organisation_id):
        return services.publish_review(review, **kw)


def test_another_organisation_sees_what_was_published_and_nothing_more(client, login, db_session):
    malmo, lund = _organisations()
    provider = make_provider(name="Fristad Skyddat boende AB")
    review = _review(provider, malmo, outcome=ReviewOutcome.SATISFACTORY)
    malmo_chief = make_user(role="supervisor", organisation=malmo)
    lund_officer = make_user(role="procurement_officer", organisation=lund)
    db_session.commit()

    login(malmo_chief)
    preview = client.get(f"/reviews/{review.id}/publish")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Malmö stad" in html and "Leveransen fungerade väl" in html and ACTION_TEXT not in html
    response = client.post(f"/reviews/{review.id}/publish", data={"include_summary": "y"})
    assert response.status_code == 302
    published = db_session.scalars(select(PublishedReview)).one()
    assert (published.publisher_organisation_id, published.outcome, published.review_id) == \
        (malmo.id, ReviewOutcome.SATISFACTORY, review.id)
    assert "Publicerad för andra organisationer" in client.get(f"/providers/{provider.id}").get_data(as_text=True)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "published_reviews")).one()
    assert (event.action, event.actor_organisation_id, event.organisation_id) == ("insert", malmo.id, None)

    client.post("/logout")
    login(lund_officer)
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "1 annan organisation har följt upp utföraren det senaste året: 1 tillfredsställande." in page
    assert f"/published-reviews/{published.id}" in page
    assert ACTION_TEXT not in page and "Leveransen fungerade väl" not in page  # only behind the link
    assert client.get(f"/reviews/{review.id}/edit").status_code == 404  # the review stays Malmö's
    assert client.get(f"/reviews/{review.id}/publish").status_code == 404
    shown = client.get(f"/published-reviews/{published.id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Malmö stad" in text and "Leveransen fungerade väl" in text and "Tillfredsställande" in text
    assert ACTION_TEXT not in text and malmo_chief.name not in text


def test_the_summary_counts_each_organisation_once_by_its_latest_review(db_session):
    malmo, lund = _organisations()
    helsingborg, ystad, viewer = (make_organisation(n) for n in ("Helsingborgs stad", "Ystads kommun", "Eslövs kommun"))
    provider = make_provider()
    chief = {org.id: make_user(role="supervisor", organisation=org) for org in (malmo, lund, helsingborg, ystad)}
    cases = [(malmo, 300, ReviewOutcome.SERIOUS_DEFICIENCIES), (malmo, 30, ReviewOutcome.SATISFACTORY),
             (lund, 60, ReviewOutcome.SATISFACTORY), (helsingborg, 10, ReviewOutcome.SERIOUS_DEFICIENCIES),
             (ystad, 400, ReviewOutcome.DEFICIENCIES)]  # Ystad's is older than a year: listed, not counted
    for organisation, age, outcome in cases:
        review = _review(provider, organisation, performed_on=TODAY - timedelta(days=age), outcome=outcome)
        _publish(review, chief[organisation.id])
    summary = queries.published_summary(provider.id, excluding_organisation_id=viewer.id)
    assert summary.organisations == 3
    assert summary.outcome_counts() == [(ReviewOutcome.SATISFACTORY, 2), (ReviewOutcome.SERIOUS_DEFICIENCIES, 1)]
    assert len(summary.items) == 5 and summary.items[0].publisher.name == "Helsingborgs stad"
    mine = queries.published_summary(provider.id, excluding_organisation_id=malmo.id)
    assert mine.organisations == 2 and all(item.publisher_organisation_id != malmo.id for item in mine.items)


def test_the_provider_page_states_the_count_and_outcomes(client, login, db_session):
    malmo, lund = _organisations()
    other = make_organisation("Helsingborgs stad")
    provider = make_provider()
    for organisation, outcome in ((malmo, ReviewOutcome.SATISFACTORY), (other, ReviewOutcome.SATISFACTORY),
                                  (lund, ReviewOutcome.SERIOUS_DEFICIENCIES)):
        _publish(_review(provider, organisation, outcome=outcome), make_user(role="supervisor", organisation=organisation))
    viewer = make_user(role="social_worker", organisation=make_organisation("Eslövs kommun"))
    db_session.commit()
    login(viewer)
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "3 andra organisationer har följt upp utföraren det senaste året: 2 tillfredsställande, " \
           "1 allvarliga brister." in page


def test_publishing_keeps_the_guards(client, login, db_session):
    malmo, lund = _organisations()
    provider = make_provider()
    chief = make_user(role="supervisor", organisation=malmo)
    placement = _review(provider, malmo, kind=ReviewKind.PLACEMENT_FOLLOW_UP)
    with pytest.raises(ValidationFailed) as refused:
        _publish(placement, chief)
    assert "placering" in str(refused.value.errors["kind"][0])
    # a summary saved before the guard existed: refused with it, publishable without it
    old = _review(provider, malmo, summary="Samtal med 19900101-1234 om boendet.")
    with pytest.raises(ValidationFailed) as refused:
        _publish(old, chief)
    assert "personnummer" in str(refused.value.errors["summary"][0])
    published = _publish(old, chief, include_summary=False)
    assert published.summary is None and published.outcome == old.outcome
    worker = make_user(role="social_worker", organisation=malmo)
    lund_chief = make_user(role="supervisor", organisation=lund)
    ordinary = _review(provider, malmo)
    db_session.commit()

    login(chief)
    response = client.post(f"/reviews/{placement.id}/publish", data={"include_summary": "y"})
    assert response.status_code == 403  # the page is not offered for a placement follow-up
    client.post("/logout")
    login(worker)
    assert client.get(f"/reviews/{ordinary.id}/publish").status_code == 403
    client.post("/logout")
    login(lund_chief)
    assert client.post(f"/reviews/{ordinary.id}/publish", data={"include_summary": "y"}).status_code == 404
    assert client.post(f"/reviews/{old.id}/unpublish").status_code == 404
    assert db_session.scalar(select(PublishedReview.id).where(PublishedReview.review_id == ordinary.id)) is None


def test_edits_follow_and_withdrawal_removes(client, login, db_session):
    malmo, lund = _organisations()
    provider = make_provider()
    chief = make_user(role="supervisor", organisation=malmo)
    review = _review(provider, malmo, outcome=ReviewOutcome.SATISFACTORY)
    published = _publish(review, chief)
    with acting_as(_as(chief)), tenancy.within_organisation(malmo.id):
        data = {"kind": review.kind.value, "performed_on": review.performed_on, "outcome": "deficiencies",
                "summary": "Brister i dokumentationen.", "actions": []}
        services.update_review(review, data, review.version)
        assert (published.outcome, published.summary) == (ReviewOutcome.DEFICIENCIES, "Brister i dokumentationen.")
        with pytest.raises(ValidationFailed) as refused:
            services.update_review(review, {**data, "kind": "placement_follow_up"}, review.version)
        assert "kind" in refused.value.errors
    db_session.commit()
    published_id = published.id

    login(chief)
    response = client.post(f"/reviews/{review.id}/unpublish")
    assert response.status_code == 303
    assert db_session.get(PublishedReview, published_id) is None
    assert db_session.get(Review, review.id) is not None  # the review itself stays
    deleted = db_session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "published_reviews",
                                                          AuditEvent.action == "delete")).one()
    assert deleted.actor_organisation_id == malmo.id
    client.post("/logout")
    login(make_user(role="supervisor", organisation=lund))
    assert client.get(f"/published-reviews/{published_id}").status_code == 404
    assert "Ingen annan organisation har publicerat" in client.get(f"/providers/{provider.id}").get_data(as_text=True)


def test_matchings_explanation_shows_what_the_others_published(client, login, db_session):
    malmo, lund = _organisations()
    provider = make_provider(counties_served=["12"])
    _publish(_review(provider, malmo, outcome=ReviewOutcome.DEFICIENCIES), make_user(role="supervisor", organisation=malmo))
    worker = make_user(role="social_worker", organisation=lund)
    db_session.commit()
    login(worker)
    page = client.get(f"/demand/match/explain/{provider.id}?run=1&target_group=adults")
    assert page.status_code == 200
    assert "1 annan organisation har följt upp utföraren det senaste året: 1 brister." in page.get_data(as_text=True)
