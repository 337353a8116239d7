"""Reviews and their required actions through the API, per role, with versions."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.api.conftest import assert_problem, data_statements
from tests.factories import make_contract, make_provider, make_review
from vendor_registry.extensions import db
from vendor_registry.reviews.models import Review, ReviewAction


def _count(provider) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Review).where(Review.provider_id == provider.id))


def _days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def test_record_read_and_edit_a_review_with_actions(client, db_session, headers_for):
    provider = make_provider()
    contract = make_contract(provider)
    db_session.commit()
    officer = headers_for("procurement_officer")
    created = client.post(f"/api/v1/providers/{provider.org_number}/reviews", headers=officer, json={
        "kind": "site_visit", "performed_on": _days(-3), "outcome": "deficiencies", "contract_id": contract.id,
        "summary": "Brandskyddet saknar dokumentation.", "ratings": {"safety": 2, "cooperation": 4},
        "actions": [{"description": "Dokumentera brandskyddet", "deadline": _days(30)},
                    {"description": "Utbilda nattpersonal", "deadline": _days(60)}]})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["ratings"] == {"delivered_as_agreed": None, "staff_competence": None, "safety": 2,
                               "cooperation": 4, "documentation": None}
    assert [a["description"] for a in body["actions"]] == ["Dokumentera brandskyddet", "Utbilda nattpersonal"]
    assert body["contract_id"] == contract.id

    listed = client.get(f"/api/v1/providers/{provider.org_number}/reviews", headers=headers_for("social_worker"))
    assert [r["id"] for r in listed.get_json()["items"]] == [body["id"]]

    first, second = body["actions"]
    patched = client.patch(f"/api/v1/reviews/{body['id']}", headers=officer, json={
        "outcome": "satisfactory", "ratings": {"safety": 4}, "version": body["version"],
        "actions": [{"id": second["id"], "delete": True},
                    {"id": first["id"], "description": "Dokumentera brandskyddet", "deadline": _days(14)},
                    {"description": "Följ upp på plats", "deadline": _days(90)}]})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    after = patched.get_json()
    assert after["outcome"] == "satisfactory" and after["kind"] == "site_visit"  # not named: kept
    assert after["ratings"]["safety"] == 4 and after["ratings"]["cooperation"] == 4
    assert [(a["description"], a["deadline"]) for a in after["actions"]] == [
        ("Dokumentera brandskyddet", _days(14)), ("Följ upp på plats", _days(90))]

    action = after["actions"][0]
    done = client.post(f"/api/v1/review-actions/{action['id']}/complete", headers=officer,
                       json={"version": action["version"]})
    assert done.status_code == 200 and done.get_json()["completed_on"] == date.today().isoformat()
    assert client.get(f"/api/v1/reviews/{body['id']}", headers=officer).get_json()["actions"][0]["completed_on"]


def test_social_worker_records_placement_follow_ups_only(client, db_session, headers_for):
    provider = make_provider()
    annual = make_review(provider, kind="annual_quality")
    action = ReviewAction(review=annual, provider_id=provider.id, description="Åtgärd", deadline=date.today())
    db_session.add(action)
    db_session.commit()
    worker = headers_for("social_worker")
    url = f"/api/v1/providers/{provider.org_number}/reviews"
    follow_up = client.post(url, headers=worker, json={"kind": "placement_follow_up", "performed_on": _days(0),
                                                       "outcome": "satisfactory"})
    assert follow_up.status_code == 201, follow_up.get_data(as_text=True)
    refused = assert_problem(client.post(url, headers=worker, json={"kind": "annual_quality",
                                                                    "performed_on": _days(0), "outcome": "satisfactory"}),
                             403)
    assert "efter placering" in refused["detail"]
    assert_problem(client.patch(f"/api/v1/reviews/{annual.id}", headers=worker,
                                json={"outcome": "deficiencies", "version": annual.version}), 403)
    assert_problem(client.patch(f"/api/v1/reviews/{follow_up.get_json()['id']}", headers=worker,
                                json={"kind": "annual_quality", "version": follow_up.get_json()["version"]}), 403)
    assert_problem(client.post(f"/api/v1/review-actions/{action.id}/complete", headers=worker,
                               json={"version": action.version}), 403)
    assert _count(provider) == 2
    db.session.expire_all()
    assert db.session.get(ReviewAction, action.id).completed_on is None


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_other_recording_roles_record_any_kind(client, db_session, headers_for, role):
    provider = make_provider()
    db_session.commit()
    response = client.post(f"/api/v1/providers/{provider.org_number}/reviews", headers=headers_for(role),
                           json={"kind": "annual_quality", "performed_on": _days(-1), "outcome": "satisfactory"})
    assert response.status_code == 201, response.get_data(as_text=True)


def test_validation_problems_keep_nothing(client, db_session, headers_for):
    provider = make_provider()
    other = make_contract(make_provider())
    db_session.commit()
    officer = headers_for("procurement_officer")
    url = f"/api/v1/providers/{provider.org_number}/reviews"
    problem = assert_problem(client.post(url, headers=officer, json={
        "kind": "annual_quality", "performed_on": _days(-10), "outcome": "satisfactory", "contract_id": other.id,
        "summary": "Placerad person 900101-1234 trivs.",
        "actions": [{"description": "Åtgärd", "deadline": _days(-20)}]}), 422)
    assert {e["field"] for e in problem["errors"]} == {"contract_id", "summary", "actions.0.deadline"}
    assert any("personnummer" in e["message"] for e in problem["errors"])
    future = assert_problem(client.post(url, headers=officer, json={
        "kind": "annual_quality", "performed_on": _days(5), "outcome": "satisfactory"}), 422)
    assert [e["field"] for e in future["errors"]] == ["performed_on"]
    shape = assert_problem(client.post(url, headers=officer, json={
        "kind": "annual_quality", "performed_on": _days(-1), "outcome": "fine", "ratings": {"safety": 6, "taste": 3}}),
        422)
    assert {e["field"] for e in shape["errors"]} == {"outcome", "ratings.safety", "ratings.taste"}
    assert _count(provider) == 0


def test_stale_review_and_action_are_409(client, db_session, headers_for):
    provider = make_provider()
    review = make_review(provider)
    action = ReviewAction(review=review, provider_id=provider.id, description="Åtgärd", deadline=_days_date(10))
    db_session.add(action)
    db_session.commit()
    officer = headers_for("procurement_officer")
    old = review.version
    assert client.patch(f"/api/v1/reviews/{review.id}", headers=officer,
                        json={"summary": "Bra samarbete.", "version": old}).status_code == 200
    stale = assert_problem(client.patch(f"/api/v1/reviews/{review.id}", headers=officer,
                                        json={"summary": "Annat.", "version": old}), 409)
    assert stale["current"]["summary"] == "Bra samarbete."
    old_action = action.version
    client.patch(f"/api/v1/reviews/{review.id}", headers=officer, json={
        "version": stale["current"]["version"],
        "actions": [{"id": action.id, "description": "Ändrad åtgärd", "deadline": _days(20)}]})
    stale_action = assert_problem(client.post(f"/api/v1/review-actions/{action.id}/complete", headers=officer,
                                              json={"version": old_action}), 409)
    assert stale_action["current"]["description"] == "Ändrad åtgärd"
    assert stale_action["current"]["completed_on"] is None


def _days_date(n: int) -> date:
    return date.today() + timedelta(days=n)


def test_review_list_costs_the_same_for_many_reviews(client, db_session, headers_for, statement_counter):
    provider = make_provider()
    make_review(provider)
    db_session.commit()
    headers = headers_for("social_worker")
    url = f"/api/v1/providers/{provider.org_number}/reviews"
    client.get(url, headers=headers)
    with statement_counter() as few:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 1
    for _ in range(6):
        review = make_review(provider)
        db_session.add(ReviewAction(review=review, provider_id=provider.id, description="Å", deadline=_days_date(5)))
    db_session.commit()
    with statement_counter() as many:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 7
    assert len(data_statements(many)) == len(data_statements(few))
