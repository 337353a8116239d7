"""Review pages per role: allowed, forbidden, bad input kept (422), stale edits (409)."""
from datetime import date, timedelta

import pytest

from tests.factories import make_provider, make_review
from vendor_registry.codes import ReviewKind
from vendor_registry.reviews.models import Review, ReviewAction

TODAY = date.today()


def _form(**kw):
    data = {"kind": "annual_quality", "performed_on": (TODAY - timedelta(days=2)).isoformat(),
            "contract_id": "", "outcome": "deficiencies", "summary": "Bra samverkan, svag dokumentation.",
            "rating_delivered_as_agreed": "4", "rating_staff_competence": "", "rating_safety": "5",
            "rating_cooperation": "4", "rating_documentation": "2",
            "actions-0-id": "", "actions-0-description": "Inför journalrutin",
            "actions-0-deadline": (TODAY + timedelta(days=30)).isoformat(), "save": "Spara"}
    data.update(kw)
    return data


@pytest.mark.parametrize("role", ["admin", "procurement_officer", "supervisor"])
def test_recording_roles_create_any_kind(client, as_role, db_session, role):
    provider = make_provider()
    db_session.commit()
    as_role(role)
    page = client.get(f"/providers/{provider.id}/reviews/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="site_visit"' in html and "personnummer" in html
    response = client.post(f"/providers/{provider.id}/reviews/new", data=_form(kind="site_visit"))
    assert response.status_code == 302
    review = db_session.query(Review).filter_by(provider_id=provider.id).one()
    assert review.kind == ReviewKind.SITE_VISIT and review.rating_staff_competence is None
    assert [a.description for a in review.actions] == ["Inför journalrutin"]


def test_social_worker_sees_and_records_only_placement_follow_ups(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("social_worker")
    html = client.get(f"/providers/{provider.id}/reviews/new").get_data(as_text=True)
    assert 'value="placement_follow_up"' in html
    assert 'value="annual_quality"' not in html and 'value="site_visit"' not in html
    refused = client.post(f"/providers/{provider.id}/reviews/new", data=_form(kind="annual_quality"))
    assert refused.status_code == 422
    assert db_session.query(Review).filter_by(provider_id=provider.id).count() == 0
    ok = client.post(f"/providers/{provider.id}/reviews/new", data=_form(kind="placement_follow_up"))
    assert ok.status_code == 302


def test_social_worker_cannot_edit_other_kinds(client, as_role, db_session):
    review = make_review(make_provider(), kind=ReviewKind.ANNUAL_QUALITY)
    db_session.commit()
    as_role("social_worker")
    assert client.get(f"/reviews/{review.id}/edit").status_code == 403
    assert client.post(f"/reviews/{review.id}/edit", data=_form(version=review.version)).status_code == 403


def test_anonymous_is_sent_to_login(client, db_session):
    provider = make_provider()
    db_session.commit()
    response = client.get(f"/providers/{provider.id}/reviews/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_validation_errors_keep_input(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/reviews/new", data=_form(
        performed_on="2026-13-45", summary="Kvar i formuläret", **{"actions-0-deadline": ""}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ange datum som ÅÅÅÅ-MM-DD." in html
    assert "Kvar i formuläret" in html and "Inför journalrutin" in html
    assert 'href="#performed_on"' in html
    assert db_session.query(Review).filter_by(provider_id=provider.id).count() == 0


def test_action_row_errors_are_linked(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("supervisor")
    response = client.post(f"/providers/{provider.id}/reviews/new", data=_form(**{"actions-0-deadline": ""}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#actions-0-deadline"' in html and "Ange en sista dag för åtgärden." in html


def test_add_action_button_adds_a_row_without_saving(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("admin")
    data = _form()
    data.pop("save")
    data["add_action"] = "Lägg till en åtgärd"
    response = client.post(f"/providers/{provider.id}/reviews/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="actions-1-description"' in html and "Inför journalrutin" in html
    assert db_session.query(Review).filter_by(provider_id=provider.id).count() == 0
    data.pop("add_action")
    data.update({"save": "Spara", "actions-1-id": "", "actions-1-description": "Utbilda personal",
                 "actions-1-deadline": (TODAY + timedelta(days=60)).isoformat()})
    assert client.post(f"/providers/{provider.id}/reviews/new", data=data).status_code == 302
    assert db_session.query(ReviewAction).filter_by(provider_id=provider.id).count() == 2


def test_edit_and_stale_edit(client, as_role, db_session):
    review = make_review(make_provider(), kind=ReviewKind.SITE_VISIT)
    db_session.commit()
    as_role("supervisor")
    page = client.get(f"/reviews/{review.id}/edit")
    assert page.status_code == 200
    seen = review.version
    assert client.post(f"/reviews/{review.id}/edit", data=_form(version=seen, summary="Första")).status_code == 302
    stale = client.post(f"/reviews/{review.id}/edit", data=_form(version=seen, summary="Min text"))
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Någon annan har sparat ändringar under tiden" in html and "Min text" in html
    db_session.refresh(review)
    assert review.summary == "Första"


def test_complete_action(client, as_role, db_session):
    provider = make_provider()
    review = make_review(provider)
    action = ReviewAction(review_id=review.id, provider_id=provider.id, description="Rutin",
                          deadline=TODAY + timedelta(days=3))
    db_session.add(action)
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/reviews/actions/{action.id}/complete", data={"version": action.version})
    assert response.status_code == 303
    db_session.refresh(action)
    assert action.completed_on == TODAY
    assert "Genomförd" in client.get(f"/reviews/{review.id}/edit").get_data(as_text=True)


def test_social_worker_cannot_complete_actions_of_other_kinds(client, as_role, db_session):
    provider = make_provider()
    review = make_review(provider, kind=ReviewKind.CONTRACT_FOLLOW_UP)
    action = ReviewAction(review_id=review.id, provider_id=provider.id, description="Rutin", deadline=TODAY)
    db_session.add(action)
    db_session.commit()
    as_role("social_worker")
    assert client.post(f"/reviews/actions/{action.id}/complete", data={"version": action.version}).status_code == 403
    db_session.refresh(action)
    assert action.completed_on is None


def test_unknown_review_is_404(client, as_role, db_session):
    as_role("admin")
    assert client.get("/reviews/999999/edit").status_code == 404
    assert client.get("/providers/999999/reviews/new").status_code == 404


def test_provider_page_links_to_editing_only_for_allowed_kinds(client, as_role, db_session):
    provider = make_provider()
    site_visit = make_review(provider, kind=ReviewKind.SITE_VISIT)
    follow_up = make_review(provider, kind=ReviewKind.PLACEMENT_FOLLOW_UP)
    db_session.commit()
    as_role("social_worker")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert f"/reviews/{follow_up.id}/edit" in html
    assert f"/reviews/{site_visit.id}/edit" not in html
    assert f"/providers/{provider.id}/reviews/new" in html
