"""One flag through the API: its details, its history from the audit log, and assignment."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem
from tests.factories import make_provider, make_user
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag


def _flag(provider, **kw):
    flag = Flag(provider_id=provider.id, rule="licence_expiring", subject_key="licence:7", severity="medium",
                message="Tillståndet upphör om 30 dagar.", details={"licence_id": 7, "ends_on": "2027-01-01"}, **kw)
    db.session.add(flag)
    db.session.flush()
    return flag


def test_detail_and_history(client, db_session, api_user):
    flag = _flag(make_provider())
    db_session.commit()
    officer, officer_headers = api_user("procurement_officer")
    detail = client.get(f"/api/v1/flags/{flag.id}", headers=officer_headers)
    assert detail.status_code == 200, detail.get_data(as_text=True)
    body = detail.get_json()
    assert body["details"] == {"licence_id": 7, "ends_on": "2027-01-01"}
    assert body["assignee_id"] is None and body["status"] == "open"

    acked = client.post(f"/api/v1/flags/{flag.id}/acknowledge", headers=officer_headers,
                        json={"comment": "Ny ansökan är inskickad.", "version": body["version"]})
    assert acked.status_code == 200
    history = client.get(f"/api/v1/flags/{flag.id}/history", headers=officer_headers).get_json()["items"]
    assert [e["action"] for e in history] == ["update", "insert"]  # newest first
    latest = history[0]
    assert latest["actor"] == officer.email and latest["actor_kind"] == "api"
    assert latest["changes"]["status"] == ["open", "acknowledged"]
    assert latest["changes"]["ack_comment"][1] == "Ny ansökan är inskickad."


def test_assign_to_a_person_who_handles_flags(client, db_session, headers_for):
    flag = _flag(make_provider())
    officer = make_user(role="procurement_officer")
    worker = make_user(role="social_worker")
    db_session.commit()
    supervisor = headers_for("supervisor")
    old = flag.version
    assigned = client.post(f"/api/v1/flags/{flag.id}/assign", headers=supervisor,
                           json={"assignee_id": officer.id, "version": old})
    assert assigned.status_code == 200, assigned.get_data(as_text=True)
    assert assigned.get_json()["assignee_id"] == officer.id

    wrong = assert_problem(client.post(f"/api/v1/flags/{flag.id}/assign", headers=supervisor,
                                       json={"assignee_id": worker.id, "version": assigned.get_json()["version"]}), 422)
    assert wrong["errors"][0]["field"] == "assignee_id"
    stale = assert_problem(client.post(f"/api/v1/flags/{flag.id}/assign", headers=supervisor,
                                       json={"assignee_id": None, "version": old}), 409)
    assert stale["current"]["assignee_id"] == officer.id
    cleared = client.post(f"/api/v1/flags/{flag.id}/assign", headers=supervisor,
                          json={"assignee_id": None, "version": assigned.get_json()["version"]})
    assert cleared.status_code == 200 and cleared.get_json()["assignee_id"] is None


@pytest.mark.parametrize("role,read,assign", [
    ("admin", 200, 403), ("procurement_officer", 200, 403), ("supervisor", 200, 200), ("social_worker", 403, 403)])
def test_role_table(client, db_session, headers_for, role, read, assign):
    flag = _flag(make_provider())
    db_session.commit()
    headers = headers_for(role)
    assert client.get(f"/api/v1/flags/{flag.id}", headers=headers).status_code == read
    assert client.get(f"/api/v1/flags/{flag.id}/history", headers=headers).status_code == read
    response = client.post(f"/api/v1/flags/{flag.id}/assign", headers=headers,
                           json={"assignee_id": None, "version": flag.version})
    assert response.status_code == assign, response.get_data(as_text=True)


def test_closed_flag_cannot_be_assigned(client, db_session, headers_for):
    flag = _flag(make_provider(), status="resolved")
    db_session.commit()
    # a conflict with the flag's state (409), not a field of the request (the body names no status)
    closed = assert_problem(client.post(f"/api/v1/flags/{flag.id}/assign", headers=headers_for("supervisor"),
                                        json={"assignee_id": None, "version": flag.version}), 409)
    assert closed["detail"] == "Avvikelsen är redan avslutad."
    assert_problem(client.get("/api/v1/flags/999999", headers=headers_for("supervisor")), 404)
