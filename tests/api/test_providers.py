"""/api/v1/providers: list with the list page's filters, read, register, edit, per role."""
from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import assert_problem
from tests.factories import make_provider, next_org_number
from vendor_registry.audit.models import AuditEvent
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider


def _hyphenated(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}"


def _new_provider_body(**overrides):
    body = {
        "org_number": _hyphenated(next_org_number()),
        "name": "Nya Skyddet AB",
        "kinds": ["protected_housing", "hvb"],
        "ownership": "private",
        "county": "12",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("role", ["admin", "procurement_officer", "supervisor", "social_worker"])
def test_every_role_can_list_and_read(client, db_session, headers_for, role):
    tag = uuid.uuid4().hex[:8]
    provider = make_provider(name=f"Alfa {tag} Skydd AB", county="14")
    db_session.commit()
    headers = headers_for(role)
    listing = client.get(f"/api/v1/providers?q=Alfa {tag}", headers=headers)
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 50
    item = body["items"][0]
    assert item["org_number"] == _hyphenated(provider.org_number)
    assert item["county"] == "14" and item["kinds"] == ["protected_housing"]
    for key in ("name", "ownership", "municipality", "counties_served", "target_groups", "housing_forms",
                "max_threat_level", "service_areas", "capacity", "status", "version"):
        assert key in item
    assert item["created_at"].endswith("+00:00")
    # with and without hyphen
    for ref in (provider.org_number, _hyphenated(provider.org_number)):
        detail = client.get(f"/api/v1/providers/{ref}", headers=headers)
        assert detail.status_code == 200 and detail.get_json()["name"] == f"Alfa {tag} Skydd AB"


def test_list_filters_reuse_the_list_query(client, db_session, headers_for):
    tag = uuid.uuid4().hex[:8]
    make_provider(name=f"Filter {tag} Ett AB", kinds=["hvb"], counties_served=["01"], target_groups=["women"],
                  service_areas=["trauma"], max_threat_level="high")
    make_provider(name=f"Filter {tag} Två AB", kinds=["outpatient"], counties_served=["12"], target_groups=["men"],
                  service_areas=["mental_health"], status="draft")
    db_session.commit()
    headers = headers_for("social_worker")

    def names(query):
        response = client.get(f"/api/v1/providers?q=Filter {tag}&{query}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return sorted(i["name"].replace(f" {tag}", "") for i in response.get_json()["items"])

    assert names("") == ["Filter Ett AB", "Filter Två AB"]
    assert names("kind=hvb") == ["Filter Ett AB"]
    assert names("kind=hvb&kind=outpatient") == ["Filter Ett AB", "Filter Två AB"]
    assert names("county=12") == ["Filter Två AB"]
    assert names("status=draft") == ["Filter Två AB"]
    assert names("target_group=women") == ["Filter Ett AB"]
    assert names("service_area=mental_health") == ["Filter Två AB"]
    assert names("min_threat_level=medium") == ["Filter Ett AB"]
    assert names("has_critical_flag=false") == ["Filter Ett AB", "Filter Två AB"]
    assert names("has_critical_flag=true") == []
    assert names("sort=-name") == ["Filter Ett AB", "Filter Två AB"]


def test_pagination_and_its_bounds(client, db_session, headers_for):
    tag = uuid.uuid4().hex[:8]
    for n in range(5):
        make_provider(name=f"Sida {tag} {n} AB")
    db_session.commit()
    headers = headers_for("social_worker")
    body = client.get(f"/api/v1/providers?q=Sida {tag}&per_page=2&page=3", headers=headers).get_json()
    assert body["total"] == 5 and body["page"] == 3 and body["per_page"] == 2
    assert [i["name"] for i in body["items"]] == [f"Sida {tag} 4 AB"]
    assert client.get(f"/api/v1/providers?q=Sida {tag}&per_page=2&page=9", headers=headers).get_json()["items"] == []
    problem = assert_problem(client.get("/api/v1/providers?per_page=201", headers=headers), 422)
    assert problem["errors"][0]["field"] == "per_page"
    problem = assert_problem(client.get("/api/v1/providers?status=nonsense", headers=headers), 422)
    assert problem["errors"][0]["field"].startswith("status")


def test_list_makes_the_same_number_of_statements_for_many_providers(client, db_session, headers_for,
                                                                    statement_counter):
    tag = uuid.uuid4().hex[:8]
    headers = headers_for("social_worker")
    make_provider(name=f"Räkna {tag} 0 AB")
    db_session.commit()
    client.get(f"/api/v1/providers?q={tag}", headers=headers)  # warm up: token touched, caches filled
    with statement_counter() as few:
        assert client.get(f"/api/v1/providers?q={tag}", headers=headers).status_code == 200
    for n in range(1, 30):
        make_provider(name=f"Räkna {tag} {n} AB")
    db_session.commit()
    with statement_counter() as many:
        assert len(client.get(f"/api/v1/providers?q={tag}&per_page=200", headers=headers).get_json()["items"]) == 30
    def queries(statements):
        return [st for st in statements if st.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")]

    assert len(queries(many)) == len(queries(few)) == 3  # token, count, page


def test_create_starts_as_draft_and_is_audited_as_the_api_user(client, db_session, api_user):
    user, headers = api_user("procurement_officer")
    body = _new_provider_body(municipality="Malmö", capacity=4, languages=["svenska"])
    response = client.post("/api/v1/providers", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["status"] == "draft" and created["org_number"] == body["org_number"]
    assert created["version"] >= 1
    provider = db.session.scalar(db.select(Provider).filter_by(org_number=body["org_number"].replace("-", "")))
    event = db.session.scalar(db.select(AuditEvent).filter_by(entity_type="providers", entity_id=str(provider.id),
                                                              action="insert"))
    assert (event.actor_kind, event.actor_label, event.actor_user_id) == ("api", user.email, user.id)
    assert provider.approval_events[0].actor_label == user.email


def test_create_requires_only_the_core_fields(client, db_session, headers_for):
    response = client.post("/api/v1/providers", json={"name": "Ofullständig AB"}, headers=headers_for())
    problem = assert_problem(response, 422)
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"org_number", "kinds", "ownership", "county"}
    assert all(e["message"] == "Uppgiften är obligatorisk." for e in problem["errors"])


def test_create_refuses_bad_org_number_and_unknown_fields(client, db_session, headers_for):
    headers = headers_for()
    problem = assert_problem(client.post("/api/v1/providers", json=_new_provider_body(org_number="556016-0681"),
                                         headers=headers), 422)
    assert problem["errors"][0]["field"] == "org_number"
    assert "kontrollsiffra" in problem["errors"][0]["message"]
    problem = assert_problem(client.post("/api/v1/providers", json=_new_provider_body(colour="blue"),
                                         headers=headers), 422)
    assert problem["errors"] == [{"field": "colour", "message": "Okänt fält."}]
    problem = assert_problem(client.post("/api/v1/providers", json=_new_provider_body(kinds=["castle"]),
                                         headers=headers), 422)
    assert problem["errors"][0]["field"] == "kinds.0"
    problem = assert_problem(client.post("/api/v1/providers", json=_new_provider_body(name="Nul\x00AB"),
                                         headers=headers), 422)
    assert problem["errors"][0]["field"] == "name"
    assert db.session.scalar(db.select(db.func.count()).select_from(Provider).where(Provider.name.like("Nul%"))) == 0


def test_duplicate_org_number_is_409(client, db_session, headers_for):
    existing = make_provider(name="Först AB", org_number=next_org_number())
    db_session.commit()
    response = client.post("/api/v1/providers", json=_new_provider_body(org_number=existing.org_number),
                           headers=headers_for())
    problem = assert_problem(response, 409)
    assert problem["errors"][0]["field"] == "org_number"
    assert "Först AB" in problem["errors"][0]["message"]


@pytest.mark.parametrize("role", ["supervisor", "social_worker"])
def test_roles_without_edit_rights_get_403(client, db_session, headers_for, role):
    provider = make_provider()
    db_session.commit()
    headers = headers_for(role)
    assert_problem(client.post("/api/v1/providers", json=_new_provider_body(), headers=headers), 403)
    assert_problem(client.patch(f"/api/v1/providers/{provider.org_number}", json={"name": "X", "version": 1},
                                headers=headers), 403)


def test_patch_with_current_version_then_stale_version_gets_409_with_current_record(client, db_session,
                                                                                   api_user):
    provider = make_provider(name="Versionerad AB", capacity=5)
    db_session.commit()
    _user, headers = api_user("procurement_officer")
    url = f"/api/v1/providers/{_hyphenated(provider.org_number)}"
    seen = client.get(url, headers=headers).get_json()["version"]
    first = client.patch(url, json={"capacity": 7, "version": seen}, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["capacity"] == 7 and first.get_json()["version"] == seen + 1
    stale = client.patch(url, json={"name": "Skriver över AB", "version": seen}, headers=headers)
    problem = assert_problem(stale, 409)
    assert problem["current"]["capacity"] == 7 and problem["current"]["name"] == "Versionerad AB"
    assert problem["changes"]["capacity"] == [5, 7]
    assert problem["changed_by"]
    db.session.expire_all()
    assert db.session.get(Provider, provider.id).name == "Versionerad AB"


def test_patch_requires_version_and_unknown_provider_is_404(client, db_session, headers_for):
    provider = make_provider()
    db_session.commit()
    headers = headers_for()
    problem = assert_problem(client.patch(f"/api/v1/providers/{provider.org_number}", json={"name": "Y"},
                                          headers=headers), 422)
    assert problem["errors"] == [{"field": "version", "message": "Uppgiften är obligatorisk."}]
    assert_problem(client.get(f"/api/v1/providers/{_hyphenated(next_org_number())}", headers=headers), 404)
    assert_problem(client.get("/api/v1/providers/not-a-number", headers=headers), 404)
