"""The method catalogue (admins) and offered methods with certification dates (registrars)."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem, data_statements
from tests.factories import make_method, make_provider
from vendor_registry.extensions import db
from vendor_registry.methods.models import Method, ProviderMethod


def _offered_count(provider) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ProviderMethod)
                             .where(ProviderMethod.provider_id == provider.id))


# --- catalogue ---------------------------------------------------------------------------------

def test_catalogue_read_by_all_written_by_admin(client, db_session, headers_for):
    existing = make_method(name="Kriminalitet som livsstil", evidence_level="moderate",
                           evidence_source="Socialstyrelsen")
    db_session.commit()
    names = [m["name"] for m in client.get("/api/v1/methods", headers=headers_for("social_worker")).get_json()["items"]]
    assert existing.name in names

    admin = headers_for("admin")
    created = client.post("/api/v1/methods", headers=admin, json={
        "name": "Återfallsprevention", "short_name": "ÅP", "evidence_level": "strong",
        "evidence_source": "Metodguiden, Socialstyrelsen"})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["active"] is True and body["evidence_level"] == "strong"

    retired = client.patch(f"/api/v1/methods/{body['id']}", headers=admin,
                           json={"active": False, "version": body["version"]})
    assert retired.status_code == 200, retired.get_data(as_text=True)
    assert retired.get_json()["active"] is False
    assert retired.get_json()["name"] == "Återfallsprevention"  # a PATCH keeps what it does not name
    assert retired.get_json()["evidence_source"] == "Metodguiden, Socialstyrelsen"


@pytest.mark.parametrize("role", ["procurement_officer", "supervisor", "social_worker"])
def test_catalogue_writes_are_the_admins(client, db_session, headers_for, role):
    method = make_method()
    db_session.commit()
    headers = headers_for(role)
    assert_problem(client.post("/api/v1/methods", headers=headers, json={"name": "Ny metod"}), 403)
    assert_problem(client.patch(f"/api/v1/methods/{method.id}", headers=headers,
                                json={"active": False, "version": method.version}), 403)
    assert client.get(f"/api/v1/methods/{method.id}", headers=headers).get_json()["active"] is True


def test_catalogue_rules_and_stale_edit(client, db_session, headers_for):
    method = make_method(name="Motiverande samtal", evidence_source="Metodguiden")
    db_session.commit()
    admin = headers_for("admin")
    no_source = assert_problem(client.post("/api/v1/methods", headers=admin,
                                           json={"name": "ART", "evidence_level": "strong"}), 422)
    assert [e["field"] for e in no_source["errors"]] == ["evidence_source"]
    duplicate = assert_problem(client.post("/api/v1/methods", headers=admin, json={"name": "motiverande samtal"}), 422)
    assert [e["field"] for e in duplicate["errors"]] == ["name"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Method).where(Method.name == "ART")) == 0

    old = method.version
    assert client.patch(f"/api/v1/methods/{method.id}", headers=admin,
                        json={"short_name": "MI", "version": old}).status_code == 200
    stale = assert_problem(client.patch(f"/api/v1/methods/{method.id}", headers=admin,
                                        json={"short_name": "MoS", "version": old}), 409)
    assert stale["current"]["short_name"] == "MI"


# --- offered methods ---------------------------------------------------------------------------

def test_offer_edit_certification_and_remove(client, db_session, headers_for):
    provider = make_provider()
    method = make_method(name="Trauma-fokuserad KBT")
    db_session.commit()
    officer = headers_for("procurement_officer")
    url = f"/api/v1/providers/{provider.org_number}/methods"
    added = client.post(url, headers=officer, json={"method_id": method.id, "trained_staff": 4,
                                                    "certification_ends_on": "2027-06-30"})
    assert added.status_code == 201, added.get_data(as_text=True)
    body = added.get_json()
    assert body["method"]["name"] == "Trauma-fokuserad KBT" and body["certification_ends_on"] == "2027-06-30"

    listed = client.get(url, headers=headers_for("social_worker")).get_json()["items"]
    assert [(o["id"], o["trained_staff"]) for o in listed] == [(body["id"], 4)]

    renewed = client.patch(f"/api/v1/offered-methods/{body['id']}", headers=officer,
                           json={"certification_ends_on": "2029-06-30", "version": body["version"]})
    assert renewed.status_code == 200 and renewed.get_json()["certification_ends_on"] == "2029-06-30"
    assert renewed.get_json()["trained_staff"] == 4

    stale = assert_problem(client.delete(f"/api/v1/offered-methods/{body['id']}?version={body['version']}",
                                         headers=officer), 409)
    assert stale["current"]["certification_ends_on"] == "2029-06-30"
    gone = client.delete(f"/api/v1/offered-methods/{body['id']}?version={renewed.get_json()['version']}",
                         headers=officer)
    assert gone.status_code == 204
    assert _offered_count(provider) == 0


def test_offer_rules(client, db_session, headers_for):
    provider = make_provider()
    method = make_method()
    retired = make_method(active=False)
    db_session.commit()
    officer = headers_for("admin")
    url = f"/api/v1/providers/{provider.org_number}/methods"
    assert client.post(url, headers=officer, json={"method_id": method.id}).status_code == 201
    twice = assert_problem(client.post(url, headers=officer, json={"method_id": method.id}), 422)
    assert twice["errors"][0]["field"] == "method_id" and "redan" in twice["errors"][0]["message"]
    inactive = assert_problem(client.post(url, headers=officer, json={"method_id": retired.id}), 422)
    assert inactive["errors"][0]["field"] == "method_id"
    shape = assert_problem(client.post(url, headers=officer, json={"method_id": method.id, "trained_staff": -2,
                                                                   "certification_ends_on": "snart"}), 422)
    assert {e["field"] for e in shape["errors"]} == {"trained_staff", "certification_ends_on"}
    assert _offered_count(provider) == 1


@pytest.mark.parametrize("role", ["supervisor", "social_worker"])
def test_offered_methods_are_registrars_work(client, db_session, headers_for, role):
    provider = make_provider()
    method = make_method()
    offered = ProviderMethod(provider_id=provider.id, method_id=method.id, trained_staff=1)
    db_session.add(offered)
    db_session.commit()
    headers = headers_for(role)
    assert_problem(client.post(f"/api/v1/providers/{provider.org_number}/methods", headers=headers,
                               json={"method_id": method.id}), 403)
    assert_problem(client.patch(f"/api/v1/offered-methods/{offered.id}", headers=headers,
                                json={"trained_staff": 9, "version": offered.version}), 403)
    assert_problem(client.delete(f"/api/v1/offered-methods/{offered.id}?version={offered.version}",
                                 headers=headers), 403)
    assert client.get(f"/api/v1/offered-methods/{offered.id}", headers=headers).get_json()["trained_staff"] == 1


def test_offered_list_costs_the_same_for_many_methods(client, db_session, headers_for, statement_counter):
    provider = make_provider()
    db_session.add(ProviderMethod(provider_id=provider.id, method_id=make_method().id))
    db_session.commit()
    headers = headers_for("social_worker")
    url = f"/api/v1/providers/{provider.org_number}/methods"
    client.get(url, headers=headers)
    with statement_counter() as few:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 1
    for _ in range(8):
        db_session.add(ProviderMethod(provider_id=provider.id, method_id=make_method().id))
    db_session.commit()
    with statement_counter() as many:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 9
    assert len(data_statements(many)) == len(data_statements(few))
