"""Approval status through the API: the workflow, the role table, the critical-flag override."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem
from tests.factories import make_provider
from vendor_registry.audit.models import AuditEvent
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag


def _url(provider) -> str:
    return f"/api/v1/providers/{provider.org_number}/approval"


def _post(client, provider, headers, **body):
    return client.post(_url(provider), headers=headers, json=body)


def _critical_flag(provider):
    flag = Flag(provider_id=provider.id, rule="licence_lapsed", subject_key="licence:1", severity="critical",
                message="Tillståndet har återkallats.")
    db.session.add(flag)
    db.session.flush()
    return flag


def test_draft_to_approved_with_history(client, db_session, headers_for, api_user):
    provider = make_provider(status="draft")
    db_session.commit()
    officer = headers_for("procurement_officer")
    boss, supervisor = api_user("supervisor")
    state = client.get(_url(provider), headers=officer).get_json()
    assert state["status"] == "draft" and state["transitions"] == ["submit"]  # decisions are the supervisor's

    submitted = _post(client, provider, officer, transition="submit", version=state["version"])
    assert submitted.status_code == 200, submitted.get_data(as_text=True)
    assert submitted.get_json()["status"] == "under_review"

    seen = client.get(_url(provider), headers=supervisor).get_json()
    assert "approve" in seen["transitions"] and seen["open_critical_flags"] == 0
    approved = _post(client, provider, supervisor, transition="approve", version=seen["version"])
    assert approved.status_code == 200, approved.get_data(as_text=True)
    body = approved.get_json()
    assert body["status"] == "approved" and body["approved_at"]
    assert [(e["from_status"], e["to_status"]) for e in body["history"]][:2] == [
        ("under_review", "approved"), ("draft", "under_review")]
    assert body["history"][0]["actor"] == boss.email  # the token's owner


def test_approving_with_an_open_critical_flag_needs_a_justification_kept_in_the_audit_log(
        client, db_session, headers_for):
    provider = make_provider(status="under_review")
    _critical_flag(provider)
    db_session.commit()
    supervisor = headers_for("supervisor")
    state = client.get(_url(provider), headers=supervisor).get_json()
    assert state["open_critical_flags"] == 1

    refused = assert_problem(_post(client, provider, supervisor, transition="approve", version=state["version"]), 422)
    assert [e["field"] for e in refused["errors"]] == ["override_justification"]
    assert "kritisk avvikelse" in refused["errors"][0]["message"]
    db.session.expire_all()
    assert client.get(_url(provider), headers=supervisor).get_json()["status"] == "under_review"

    text = "Tillståndet är förnyat enligt IVO:s beslut 2026-11-30; registret uppdateras i veckan."
    approved = _post(client, provider, supervisor, transition="approve", version=state["version"],
                     override_justification=text)
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert approved.get_json()["history"][0]["override_justification"] == text
    logged = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.entity_type == "approval_events", AuditEvent.provider_id == provider.id,
        AuditEvent.action == "insert")).all()
    assert any((e.changes.get("override_justification") or [None, None])[1] == text and e.actor_kind == "api"
               for e in logged)


@pytest.mark.parametrize("role,transition,status", [
    ("procurement_officer", "approve", 403),
    ("admin", "approve", 403),
    ("social_worker", "approve", 403),
    ("social_worker", "submit", 403),
    ("admin", "reject", 403),
    ("supervisor", "reject", 200),
])
def test_role_table(client, db_session, headers_for, role, transition, status):
    provider = make_provider(status="under_review")
    db_session.commit()
    response = _post(client, provider, headers_for(role), transition=transition, reason="Brister i underlaget.",
                     version=provider.version)
    if status == 200:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["status"] == "rejected"
    else:
        problem = assert_problem(response, 403)
        assert problem["detail"]
        db.session.expire_all()
        assert db.session.get(type(provider), provider.id).status.value == "under_review"


def test_validation_problems(client, db_session, headers_for):
    provider = make_provider(status="under_review")
    db_session.commit()
    supervisor = headers_for("supervisor")
    v = provider.version
    reject = assert_problem(_post(client, provider, supervisor, transition="reject", version=v), 422)
    assert [e["field"] for e in reject["errors"]] == ["reason"]
    conditional = assert_problem(_post(client, provider, supervisor, transition="approve_conditionally",
                                       conditions_until="2001-01-01", version=v), 422)
    assert {e["field"] for e in conditional["errors"]} == {"conditions", "conditions_until"}
    wrong_state = assert_problem(_post(client, provider, supervisor, transition="reinstate", reason="x", version=v),
                                 422)
    assert "kan inte ändras" in wrong_state["errors"][0]["message"]
    unknown = assert_problem(_post(client, provider, supervisor, transition="promote", version=v), 422)
    assert unknown["errors"][0]["field"] == "transition"
    no_version = assert_problem(_post(client, provider, supervisor, transition="approve"), 422)
    assert no_version["errors"][0]["field"] == "version"
    assert_problem(client.get("/api/v1/providers/000000-0000/approval", headers=supervisor), 404)


def test_stale_version_is_409_with_the_provider_as_it_is(client, db_session, headers_for):
    provider = make_provider(status="under_review")
    db_session.commit()
    supervisor = headers_for("supervisor")
    old = provider.version
    client.patch(f"/api/v1/providers/{provider.org_number}", headers=headers_for("procurement_officer"),
                 json={"name": "Nytt Namn AB", "version": old})
    stale = assert_problem(_post(client, provider, supervisor, transition="approve", version=old), 409)
    assert stale["current"]["name"] == "Nytt Namn AB" and stale["current"]["status"] == "under_review"
    assert stale["changes"]["name"][1] == "Nytt Namn AB"
