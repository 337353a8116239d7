"""Contracts through the API: register, read, edit, delete, per role, with versions."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.api.conftest import assert_problem, data_statements
from tests.factories import make_contract, make_provider
from vendor_registry.audit.models import AuditEvent
from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db


def _count(provider) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Contract).where(Contract.provider_id == provider.id))


def test_register_read_edit_delete(client, db_session, headers_for):
    provider = make_provider()
    db_session.commit()
    officer = headers_for("procurement_officer")
    url = f"/api/v1/providers/{provider.org_number}/contracts"
    created = client.post(url, headers=officer, json={
        "kind": "framework", "reference": "KS 2026/114", "starts_on": "2026-01-01", "ends_on": "2027-12-31",
        "price_per_day": 3250.5, "scope": "Skyddat boende i egen lägenhet"})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["price_per_day"] == 3250.5 and body["reference"] == "KS 2026/114"
    assert body["provider"] == f"{provider.org_number[:6]}-{provider.org_number[6:]}"
    stored = db.session.get(Contract, body["id"])
    assert stored.price_per_day == Decimal("3250.50")

    listed = client.get(url, headers=headers_for("social_worker")).get_json()["items"]
    assert [c["id"] for c in listed] == [body["id"]]
    assert client.get(f"/api/v1/contracts/{body['id']}", headers=headers_for("supervisor")).get_json() == listed[0]

    patched = client.patch(f"/api/v1/contracts/{body['id']}", headers=officer,
                           json={"ends_on": None, "version": body["version"]})
    assert patched.status_code == 200 and patched.get_json()["ends_on"] is None
    assert patched.get_json()["price_per_day"] == 3250.5  # untouched fields stay

    deleted = client.delete(f"/api/v1/contracts/{body['id']}?version={patched.get_json()['version']}", headers=officer)
    assert deleted.status_code == 204, deleted.get_data(as_text=True)
    assert _count(provider) == 0
    actions = db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.entity_type == "contracts", AuditEvent.entity_id == str(body["id"]),
        AuditEvent.actor_kind == "api")).all()
    assert sorted(actions) == ["delete", "insert", "update"]


@pytest.mark.parametrize("role", ["supervisor", "social_worker"])
def test_only_registrars_write(client, db_session, headers_for, role):
    provider = make_provider()
    contract = make_contract(provider)
    db_session.commit()
    headers = headers_for(role)
    assert_problem(client.post(f"/api/v1/providers/{provider.org_number}/contracts", headers=headers,
                               json={"kind": "framework", "reference": "X", "starts_on": "2026-01-01"}), 403)
    assert_problem(client.patch(f"/api/v1/contracts/{contract.id}", headers=headers,
                                json={"reference": "Y", "version": contract.version}), 403)
    assert_problem(client.delete(f"/api/v1/contracts/{contract.id}?version={contract.version}", headers=headers), 403)
    assert _count(provider) == 1
    assert client.get(f"/api/v1/contracts/{contract.id}", headers=headers).status_code == 200


def test_validation_problems_keep_nothing(client, db_session, headers_for):
    provider = make_provider()
    db_session.commit()
    officer = headers_for("admin")
    url = f"/api/v1/providers/{provider.org_number}/contracts"
    dates = assert_problem(client.post(url, headers=officer, json={
        "kind": "direct_award", "reference": "D-1", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}), 422)
    assert [e["field"] for e in dates["errors"]] == ["ends_on"]
    for price in (-1, 12.345):
        problem = assert_problem(client.post(url, headers=officer, json={
            "kind": "framework", "reference": "P", "starts_on": "2026-01-01", "price_per_day": price}), 422)
        assert [e["field"] for e in problem["errors"]] == ["price_per_day"]
    shape = assert_problem(client.post(url, headers=officer, json={"kind": "gift", "reference": "",
                                                                   "starts_on": "1 maj", "colour": "red"}), 422)
    assert {e["field"] for e in shape["errors"]} == {"kind", "reference", "starts_on", "colour"}
    assert all(e["message"] for e in shape["errors"])
    assert _count(provider) == 0


def test_stale_edit_and_delete_are_409(client, db_session, headers_for):
    provider = make_provider()
    contract = make_contract(provider, starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 1) + timedelta(days=700))
    db_session.commit()
    officer = headers_for("procurement_officer")
    old = contract.version
    assert client.patch(f"/api/v1/contracts/{contract.id}", headers=officer,
                        json={"price_per_day": 2900, "version": old}).status_code == 200
    stale = assert_problem(client.patch(f"/api/v1/contracts/{contract.id}", headers=officer,
                                        json={"price_per_day": 3100, "version": old}), 409)
    assert stale["current"]["price_per_day"] == 2900
    assert stale["changes"]["price_per_day"][1] in ("2900.00", "2900", 2900)
    assert_problem(client.delete(f"/api/v1/contracts/{contract.id}?version={old}", headers=officer), 409)
    assert _count(provider) == 1
    missing = assert_problem(client.delete(f"/api/v1/contracts/{contract.id}", headers=officer), 422)
    assert missing["errors"][0]["field"] == "version"


def test_contract_list_costs_the_same_for_many_contracts(client, db_session, headers_for, statement_counter):
    provider = make_provider()
    make_contract(provider)
    db_session.commit()
    headers = headers_for("social_worker")
    url = f"/api/v1/providers/{provider.org_number}/contracts"
    client.get(url, headers=headers)
    with statement_counter() as few:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 1
    for _ in range(10):
        make_contract(provider)
    db_session.commit()
    with statement_counter() as many:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 11
    assert len(data_statements(many)) == len(data_statements(few))
