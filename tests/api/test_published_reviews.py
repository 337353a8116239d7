"""Published reviews through the API: a token acts within its user's organisation; publishing
is the review's own organisation's, reading what was published is everybody's."""
from __future__ import annotations

from datetime import date, timedelta

from tests.api.conftest import assert_problem
from tests.factories import make_organisation, make_provider, make_review, make_user
from vendor_registry.auth import tokens
from vendor_registry.codes import ReviewKind, ReviewOutcome
from vendor_registry.extensions import db
from vendor_registry.organisations import tenancy
from vendor_registry.organisations.models import Organisation
from vendor_registry.organisations.services import rename_organisation


def _headers(user):
    return {"Authorization": f"Bearer {tokens.create_token(user, 'test')[1]}"}


def test_publish_read_and_withdraw_across_organisations(client, db_session):
    malmo = db.session.get(Organisation, tenancy.default_organisation_id())
    rename_organisation(malmo, "Malmö stad")
    lund = make_organisation("Lunds kommun")
    provider = make_provider()
    review = make_review(provider, organisation_id=malmo.id, kind=ReviewKind.SITE_VISIT,
                         performed_on=date.today() - timedelta(days=3), outcome=ReviewOutcome.SERIOUS_DEFICIENCIES,
                         summary="Brandlarm saknades vid besöket.")
    placement = make_review(provider, organisation_id=malmo.id, kind=ReviewKind.PLACEMENT_FOLLOW_UP)
    malmo_headers = _headers(make_user(role="supervisor", organisation=malmo))
    lund_headers = _headers(make_user(role="supervisor", organisation=lund))
    worker_headers = _headers(make_user(role="social_worker", organisation=malmo))
    db_session.commit()
    orgnr = provider.org_number

    assert client.put(f"/api/v1/reviews/{review.id}/publication", json={}, headers=lund_headers).status_code == 404
    assert client.put(f"/api/v1/reviews/{review.id}/publication", json={}, headers=worker_headers).status_code == 403
    body = assert_problem(client.put(f"/api/v1/reviews/{placement.id}/publication", json={}, headers=malmo_headers), 422)
    assert body["errors"][0]["field"] == "kind"
    response = client.put(f"/api/v1/reviews/{review.id}/publication", json={"include_summary": True},
                          headers=malmo_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    published = response.get_json()
    assert (published["publisher"], published["outcome"], published["summary"]) == \
        ("Malmö stad", "serious_deficiencies", "Brandlarm saknades vid besöket.")
    assert set(published) == {"id", "provider", "publisher", "kind", "performed_on", "outcome", "ratings",
                              "summary", "published_at"}  # no actions, contract, file or person
    assert client.get(f"/api/v1/reviews/{review.id}", headers=malmo_headers).get_json()["published"] is True

    listed = client.get(f"/api/v1/providers/{orgnr}/published-reviews", headers=lund_headers).get_json()
    assert listed["summary"]["organisations"] == 1
    assert listed["summary"]["outcomes"] == {"satisfactory": 0, "deficiencies": 0, "serious_deficiencies": 1}
    assert [item["id"] for item in listed["items"]] == [published["id"]]
    detail = client.get(f"/api/v1/providers/{orgnr}", headers=lund_headers).get_json()
    assert detail["published_reviews"]["organisations"] == 1
    assert detail["published_reviews"]["href"].endswith("/published-reviews")
    mine = client.get(f"/api/v1/providers/{orgnr}/published-reviews", headers=malmo_headers).get_json()
    assert mine["summary"]["organisations"] == 0 and mine["items"] == []  # the others' publications only
    assert client.get(f"/api/v1/published-reviews/{published['id']}", headers=lund_headers).get_json() == published
    assert client.get(f"/api/v1/reviews/{review.id}", headers=lund_headers).status_code == 404

    without = client.put(f"/api/v1/reviews/{review.id}/publication", json={"include_summary": False},
                         headers=malmo_headers)
    assert without.get_json()["summary"] is None and without.get_json()["id"] == published["id"]
    assert client.delete(f"/api/v1/reviews/{review.id}/publication", headers=lund_headers).status_code == 404
    assert client.delete(f"/api/v1/reviews/{review.id}/publication", headers=malmo_headers).status_code == 204
    assert client.get(f"/api/v1/published-reviews/{published['id']}", headers=lund_headers).status_code == 404
    assert client.delete(f"/api/v1/reviews/{review.id}/publication", headers=malmo_headers).status_code == 204
