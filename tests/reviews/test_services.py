"""Review services: the domain rules hold whatever form or API calls them."""
from datetime import date, timedelta

import pytest

from tests.factories import make_contract, make_provider, make_review, make_user
from vendor_registry.audit.context import acting_as, user_actor
from vendor_registry.codes import ReviewKind
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.reviews import services
from vendor_registry.reviews.models import ReviewAction


def _data(**kw):
    data = {"kind": "annual_quality", "performed_on": date.today() - timedelta(days=1), "outcome": "deficiencies",
            "summary": "Brister i dokumentationen.", "contract_id": None, "rating_safety": 4,
            "rating_documentation": 2, "actions": [{"id": "", "description": "Inför journalrutin",
                                                    "deadline": date.today() + timedelta(days=30)}]}
    data.update(kw)
    return data


def test_create_review_with_actions_and_ratings(db_session):
    provider, user = make_provider(), make_user("procurement_officer")
    with acting_as(user_actor(user)):
        review = services.create_review(provider, _data())
    assert review.id and review.performed_by_id == user.id
    assert review.rating_safety == 4 and review.rating_cooperation is None
    assert [a.description for a in review.actions] == ["Inför journalrutin"]
    assert review.actions[0].provider_id == provider.id


def test_social_worker_may_only_record_placement_follow_ups(db_session):
    provider, worker = make_provider(), make_user("social_worker")
    assert services.allowed_kinds(worker) == [ReviewKind.PLACEMENT_FOLLOW_UP]
    with acting_as(user_actor(worker)), pytest.raises(services.ValidationFailed) as caught:
        services.create_review(provider, _data(kind="site_visit"))
    assert "kind" in caught.value.errors
    with acting_as(user_actor(worker)):
        review = services.create_review(provider, _data(kind="placement_follow_up"))
    assert review.kind == ReviewKind.PLACEMENT_FOLLOW_UP


def test_rules_reject_bad_input_and_add_nothing(db_session):
    provider, user = make_provider(), make_user("supervisor")
    other_contract = make_contract(make_provider())
    bad = _data(performed_on=date.today() + timedelta(days=3), rating_safety=7, contract_id=other_contract.id,
                summary="Klienten 850709-9805 mår bra",
                actions=[{"id": "", "description": "Gör något", "deadline": None},
                         {"id": "", "description": "", "deadline": None}])
    with acting_as(user_actor(user)), pytest.raises(services.ValidationFailed) as caught:
        services.create_review(provider, bad)
    errors = caught.value.errors
    assert {"performed_on", "rating_safety", "contract_id", "summary", "actions-0-deadline"} <= set(errors)
    assert db_session.query(ReviewAction).filter_by(provider_id=provider.id).count() == 0


def test_update_is_version_checked_and_edits_actions(db_session):
    provider, user = make_provider(), make_user("admin")
    with acting_as(user_actor(user)):
        review = services.create_review(provider, _data())
        db_session.commit()
        action_id = review.actions[0].id
        seen = review.version
        services.update_review(review, _data(outcome="satisfactory", actions=[
            {"id": str(action_id), "description": "Ändrad", "deadline": date.today() + timedelta(days=5)},
            {"id": "", "description": "Ny", "deadline": date.today() + timedelta(days=9)}]), seen)
        db_session.commit()
    assert sorted(a.description for a in review.actions) == ["Ny", "Ändrad"]
    with acting_as(user_actor(user)), pytest.raises(StaleRecordError) as caught:
        services.update_review(review, _data(), seen)
    assert caught.value.changed_by is not None


def test_emptied_existing_action_is_removed(db_session):
    provider, user = make_provider(), make_user("admin")
    with acting_as(user_actor(user)):
        review = services.create_review(provider, _data())
        db_session.commit()
        services.update_review(review, _data(actions=[{"id": str(review.actions[0].id), "description": "",
                                                       "deadline": None}]), review.version)
    assert review.actions == []


def test_complete_action_once_and_version_checked(db_session):
    provider, user = make_provider(), make_user("supervisor")
    with acting_as(user_actor(user)):
        review = services.create_review(provider, _data())
        db_session.commit()
        action = review.actions[0]
        seen = action.version
        services.complete_action(action, seen, on=date(2026, 1, 2))
        db_session.commit()
    assert action.completed_on == date(2026, 1, 2)
    with acting_as(user_actor(user)), pytest.raises(StaleRecordError):
        services.complete_action(action, seen)


def test_social_worker_cannot_touch_other_kinds(db_session):
    provider, worker = make_provider(), make_user("social_worker")
    review = make_review(provider, kind=ReviewKind.SITE_VISIT)
    with acting_as(user_actor(worker)), pytest.raises(PermissionError):
        services.update_review(review, _data(kind="placement_follow_up"), review.version)
