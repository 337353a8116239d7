"""Services that decide by the person's role take the person from the audit context, one way:
``acting_user()``. No person acting (a job, the CLI, the system) is a clear refusal, and the
person is loaded at most once per actor."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import make_provider, make_review, make_user
from vendor_registry.audit.context import (
    SYSTEM,
    Actor,
    NoActingPerson,
    acting_as,
    acting_user,
    current_actor,
    job_actor,
    user_actor,
)
from vendor_registry.codes import ProviderStatus, ReviewKind
from vendor_registry.extensions import db
from vendor_registry.providers.models import ApprovalEvent
from vendor_registry.reviews import services as reviews
from vendor_registry.reviews.models import Review, ReviewAction
from vendor_registry.standing.approval import transition

NOT_A_PERSON = [SYSTEM, job_actor("licence_sweep"), Actor("system", "cli"), Actor("user", "ingen@example.org")]


def _review_data(**kw):
    data = {"kind": "annual_quality", "performed_on": date.today() - timedelta(days=1), "outcome": "satisfactory",
            "summary": "Bra.", "contract_id": None,
            "actions": [{"id": "", "description": "Följ upp", "deadline": date.today() + timedelta(days=9)}]}
    data.update(kw)
    return data


@pytest.mark.parametrize("actor", NOT_A_PERSON, ids=lambda a: a.label)
def test_writes_that_need_a_role_refuse_without_a_person_and_change_nothing(db_session, actor):
    provider = make_provider(status=ProviderStatus.UNDER_REVIEW)
    review = make_review(provider, kind=ReviewKind.SITE_VISIT)
    action = ReviewAction(provider_id=provider.id, description="Åtgärd", deadline=date.today())
    review.actions.append(action)
    db.session.flush()
    calls = [
        lambda: reviews.create_review(provider, _review_data()),
        lambda: reviews.update_review(review, _review_data(summary="Ändrad"), review.version),
        lambda: reviews.complete_action(action, action.version),
        lambda: transition(provider, "approve"),
    ]
    with acting_as(actor):
        for call in calls:
            with pytest.raises(NoActingPerson) as refused:
                call()
            assert isinstance(refused.value, PermissionError)  # editing.save answers 403, not 500
            assert "Ingen inloggad person" in str(refused.value) and actor.label in str(refused.value)
    db.session.flush()
    assert db.session.query(Review).filter_by(provider_id=provider.id).count() == 1
    assert review.summary != "Ändrad" and action.completed_on is None
    assert provider.status == ProviderStatus.UNDER_REVIEW
    assert db.session.query(ApprovalEvent).filter_by(provider_id=provider.id).count() == 0


def test_a_person_who_no_longer_exists_is_refused(db_session):
    with acting_as(Actor("user", "borta@example.org", 987654)), pytest.raises(NoActingPerson):
        acting_user()


def test_the_person_is_loaded_once_per_actor(db_session, statement_counter):
    user = make_user(role="supervisor")
    db.session.flush()
    db.session.expunge(user)  # as in a job or CLI command naming a person by id: not in the session
    actor = Actor("user", user.email, user.id)
    with acting_as(actor):
        with statement_counter() as first:
            loaded = acting_user()
        with statement_counter() as again:
            assert acting_user() is loaded and current_actor().user is loaded
    assert loaded.id == user.id and loaded.role.value == "supervisor"
    assert len(first) == 1 and again == []
    assert actor == Actor("user", user.email, user.id)  # the cached User is not part of the identity


def test_user_actor_carries_the_user_without_a_query(db_session, statement_counter):
    user = make_user(role="social_worker")
    with acting_as(user_actor(user)), statement_counter() as statements:
        assert acting_user() is user
    assert statements == []


def test_web_and_api_writes_are_by_the_logged_in_person(client, as_role, db_session):
    from vendor_registry.auth.tokens import create_token

    provider = make_provider()
    worker = as_role("social_worker")
    form = {"kind": "placement_follow_up", "performed_on": (date.today() - timedelta(days=1)).isoformat(),
            "outcome": "satisfactory", "summary": "Webb", "save": "Spara"}
    response = client.post(f"/providers/{provider.id}/reviews/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    by_web = db.session.query(Review).filter_by(provider_id=provider.id, summary="Webb").one()
    assert by_web.performed_by_id == worker.id

    officer = make_user(role="procurement_officer")
    _token, secret = create_token(officer, "test")
    db_session.commit()
    response = client.post(f"/api/v1/providers/{provider.org_number}/reviews",
                           headers={"Authorization": f"Bearer {secret}"},
                           json={"kind": "site_visit", "performed_on": date.today().isoformat(),
                                 "outcome": "satisfactory", "summary": "API"})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    by_api = db.session.query(Review).filter_by(provider_id=provider.id, summary="API").one()
    assert by_api.performed_by_id == officer.id
