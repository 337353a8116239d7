"""POST /api/v1/flags/bulk: acknowledge or assign many flags, the same role table as one flag,
problem documents for bad input, skipped (not failed) flags closed or changed meanwhile."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem, data_statements
from tests.factories import make_provider, make_user
from tests.flags.conftest import view_of
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag


def _flags(n: int, **kw) -> list[Flag]:
    provider = make_provider()
    flags = [Flag(provider_id=provider.id, rule=FlagRule.LICENCE_LAPSED, subject_key=f"licence:{i}",
                  severity=FlagSeverity.CRITICAL, message=f"Tillståndet har upphört ({i}).", **kw) for i in range(n)]
    db.session.add_all(flags)
    db.session.flush()
    return flags


def _items(flags) -> list[dict[str, int]]:
    return [{"id": f.id, "version": f.version} for f in flags]


def test_bulk_acknowledge_reports_done_and_skipped(client, db_session, api_user):
    officer, headers = api_user("procurement_officer")
    fine, closed, changed = _flags(3)
    items = _items([fine, closed, changed]) + [{"id": 999999, "version": 1}]
    closed.status = FlagStatus.DISMISSED
    changed.assignee_id = officer.id
    db_session.commit()
    response = client.post("/api/v1/flags/bulk", headers=headers,
                           json={"action": "acknowledge", "comment": "Sedd i kön", "items": items})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert [f["id"] for f in body["done"]] == [fine.id]
    assert body["done"][0]["status"] == "acknowledged" and body["done"][0]["ack_comment"] == "Sedd i kön"
    assert body["done"][0]["version"] == items[0]["version"] + 1
    assert {s["id"] for s in body["skipped"]} == {closed.id, changed.id, 999999}
    history = client.get(f"/api/v1/flags/{fine.id}/history", headers=headers).get_json()["items"]
    assert history[0]["actor"] == officer.email and history[0]["changes"]["status"] == ["open", "acknowledged"]


@pytest.mark.parametrize(("role", "ack_status", "assign_status"), [
    ("admin", 200, 403), ("procurement_officer", 200, 403), ("supervisor", 200, 200), ("social_worker", 403, 403)])
def test_bulk_role_table(client, db_session, api_user, role, ack_status, assign_status):
    user, headers = api_user(role)
    person = make_user(role="procurement_officer")
    flags = _flags(2)
    db_session.commit()
    assign = client.post("/api/v1/flags/bulk", headers=headers,
                         json={"action": "assign", "assignee_id": person.id, "items": _items(flags)})
    assert assign.status_code == assign_status
    if assign_status == 403:
        assert_problem(assign, 403)
    # Shared flags: the assignment is the caller's organisation's own handling (issue 14).
    views = [view_of(f.id, user.organisation_id) for f in flags]
    assert all((v.assignee_id == person.id) == (assign_status == 200) for v in views)
    items = [{"id": f.id, "version": v.version} for f, v in zip(flags, views, strict=True)]
    ack = client.post("/api/v1/flags/bulk", headers=headers,
                      json={"action": "acknowledge", "comment": "Sedd", "items": items})
    assert ack.status_code == ack_status


def test_bad_input_is_a_problem_document_and_changes_nothing(client, db_session, api_user):
    worker = make_user(role="social_worker")
    _user, headers = api_user("supervisor")
    flags = _flags(2)
    db_session.commit()
    no_comment = assert_problem(client.post("/api/v1/flags/bulk", headers=headers, json={
        "action": "acknowledge", "comment": "  ", "items": _items(flags)}), 422)
    assert no_comment["errors"] == [{"field": "comment", "message": "Skriv en kommentar."}]
    wrong_person = assert_problem(client.post("/api/v1/flags/bulk", headers=headers, json={
        "action": "assign", "assignee_id": worker.id, "items": _items(flags)}), 422)
    assert wrong_person["errors"][0]["field"] == "assignee_id"
    empty = assert_problem(client.post("/api/v1/flags/bulk", headers=headers, json={
        "action": "acknowledge", "comment": "Sedd", "items": []}), 422)
    assert empty["errors"][0]["field"] == "items"
    bogus = assert_problem(client.post("/api/v1/flags/bulk", headers=headers, json={
        "action": "resolve", "items": _items(flags)}), 422)
    assert bogus["errors"][0]["field"] == "action"
    db.session.expire_all()
    assert all(db.session.get(Flag, f.id).status == FlagStatus.OPEN for f in flags)


def test_bulk_statement_count_does_not_grow_with_the_selection(client, db_session, api_user, statement_counter):
    _user, headers = api_user("supervisor")
    few, many = _flags(5), _flags(200)
    db_session.commit()
    assert client.get("/api/v1/flags", headers=headers).status_code == 200  # the token's first use is noted once
    counts, seen = [], []
    for flags in (few, many):
        body = {"action": "acknowledge", "comment": "Sedd", "items": _items(flags)}
        with statement_counter() as statements:
            response = client.post("/api/v1/flags/bulk", headers=headers, json=body)
        assert response.status_code == 200 and len(response.get_json()["done"]) == len(flags)
        counts.append(len(data_statements(statements)))
        seen.append([st[:90] for st in data_statements(statements)])
    assert counts[0] == counts[1], seen
