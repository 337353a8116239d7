"""Licences, checks, flags, demand profiles and matching through the API, per role."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from tests.api.conftest import assert_problem
from tests.factories import make_check, make_licence, make_provider
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.licences.models import Licence


def _org(provider) -> str:
    return f"{provider.org_number[:6]}-{provider.org_number[6:]}"


def _flag(provider, **kw):
    values = {"provider_id": provider.id, "rule": "licence_unverified",
              "subject_key": f"licence:{uuid.uuid4().hex[:6]}", "severity": "medium",
              "message": "Tillståndet är inte verifierat."}
    values.update(kw)
    flag = Flag(**values)
    db.session.add(flag)
    db.session.flush()
    return flag


# --- licences ------------------------------------------------------------------------------

def test_licences_list_create_and_patch_with_versions(client, db_session, headers_for):
    provider = make_provider()
    make_licence(provider, ivo_reference="IVO 1/2024")
    db_session.commit()
    reader = headers_for("social_worker")
    listed = client.get(f"/api/v1/providers/{provider.org_number}/licences", headers=reader).get_json()["items"]
    assert [item["ivo_reference"] for item in listed] == ["IVO 1/2024"]
    for key in ("id", "kind", "form", "ivo_reference", "scope", "granted_on", "ends_on", "status", "last_verified_at"):
        assert key in listed[0]
    assert listed[0]["provider"] == _org(provider) and listed[0]["granted_on"] == "2024-05-01"
    assert_problem(client.post(f"/api/v1/providers/{provider.org_number}/licences", headers=reader,
                               json={"kind": "hvb", "form": "permit", "status": "valid"}), 403)

    editor = headers_for("procurement_officer")
    created = client.post(f"/api/v1/providers/{_org(provider)}/licences", headers=editor, json={
        "kind": "hvb", "form": "permit", "status": "valid", "granted_on": "2025-01-10",
        "ends_on": "2027-01-10", "verified": True, "verification_method": "ivo_register",
        "evidence": "https://www.ivo.se/register/123"})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["last_verified_at"] and body["verification_method"] == "ivo_register"
    patched = client.patch(f"/api/v1/licences/{body['id']}", headers=editor,
                           json={"status": "revoked", "version": body["version"]})
    assert patched.status_code == 200 and patched.get_json()["status"] == "revoked"
    stale = assert_problem(client.patch(f"/api/v1/licences/{body['id']}", headers=editor,
                                        json={"status": "valid", "version": body["version"]}), 409)
    assert stale["current"]["status"] == "revoked"


def test_licence_list_costs_the_same_for_many_licences(client, db_session, headers_for, statement_counter):
    provider = make_provider()
    make_licence(provider)
    db_session.commit()
    headers = headers_for("social_worker")
    url = f"/api/v1/providers/{provider.org_number}/licences"
    client.get(url, headers=headers)

    def queries(statements):
        return [st for st in statements if st.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")]

    with statement_counter() as few:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 1
    for _ in range(10):
        make_licence(provider)
    db_session.commit()
    with statement_counter() as many:
        assert len(client.get(url, headers=headers).get_json()["items"]) == 11
    assert len(queries(many)) == len(queries(few))


def test_licence_rules_come_from_the_service(client, db_session, headers_for):
    provider = make_provider()
    db_session.commit()
    headers = headers_for("admin")
    future = (date.today() + timedelta(days=5)).isoformat()
    problem = assert_problem(client.post(f"/api/v1/providers/{provider.org_number}/licences", headers=headers, json={
        "kind": "hvb", "form": "permit", "status": "valid", "granted_on": future, "verified": True}), 422)
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"granted_on", "verification_method", "evidence"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Licence)
                             .where(Licence.provider_id == provider.id)) == 0


# --- checks --------------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [("admin", 200), ("procurement_officer", 200), ("supervisor", 200),
                                         ("social_worker", 403)])
def test_check_details_only_for_roles_that_may_see_them(client, db_session, headers_for, role, status):
    provider = make_provider()
    make_check(provider, summary="F-skatt finns")
    db_session.commit()
    response = client.get(f"/api/v1/providers/{provider.org_number}/checks", headers=headers_for(role))
    assert response.status_code == status
    if status == 200:
        item = response.get_json()["items"][0]
        assert item["type"] == "tax_registration" and item["result"] == "pass" and item["summary"] == "F-skatt finns"
        assert "performed_at" in item and "next_due" in item


def test_record_manual_check(client, db_session, api_user):
    provider = make_provider()
    db_session.commit()
    user, headers = api_user("supervisor")
    response = client.post(f"/api/v1/providers/{provider.org_number}/checks", headers=headers, json={
        "type": "insurance", "result": "pass", "performed_on": date.today().isoformat(),
        "summary": "Ansvarsförsäkring gäller till 2027.", "evidence": "Försäkringsbrev 2026-11"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["type"] == "insurance" and body["performed_by"] == user.email and body["next_due"]
    problem = assert_problem(client.post(f"/api/v1/providers/{provider.org_number}/checks", headers=headers, json={
        "type": "ivo_register", "result": "pass", "performed_on": "2026-01-01", "summary": "x"}), 422)
    assert problem["errors"][0]["field"] == "type"
    _sw, sw_headers = api_user("social_worker")
    assert_problem(client.post(f"/api/v1/providers/{provider.org_number}/checks", headers=sw_headers, json={
        "type": "insurance", "result": "pass", "performed_on": "2026-01-01", "summary": "x"}), 403)


# --- flags ---------------------------------------------------------------------------------

def test_flag_list_filters(client, db_session, headers_for):
    provider = make_provider()
    critical = _flag(provider, rule="licence_lapsed", severity="critical", message="Tillståndet har upphört.")
    _flag(provider)
    db_session.commit()
    assert_problem(client.get("/api/v1/flags", headers=headers_for("social_worker")), 403)  # as the queue page
    headers = headers_for("procurement_officer")
    body = client.get(f"/api/v1/flags?provider={provider.org_number}", headers=headers).get_json()
    assert body["total"] == 2 and body["items"][0]["id"] == critical.id  # most severe first
    item = body["items"][0]
    assert item["provider"] == _org(provider) and item["rule"] == "licence_lapsed"
    for key in ("subject", "severity", "status", "raised_at", "last_seen_at", "message"):
        assert key in item
    only = client.get(f"/api/v1/flags?provider={_org(provider)}&severity=critical", headers=headers).get_json()
    assert [i["id"] for i in only["items"]] == [critical.id]
    assert client.get("/api/v1/flags?provider=556016-0681", headers=headers).get_json()["total"] == 0
    assert_problem(client.get("/api/v1/flags?severity=huge", headers=headers), 422)


def test_flag_transitions_follow_the_role_table(client, db_session, api_user):
    provider = make_provider()
    flag = _flag(provider)
    other = _flag(provider)
    db_session.commit()
    first_version, other_version = flag.version, other.version  # ints: the objects are refreshed by requests
    _sw, social = api_user("social_worker")
    _po, officer = api_user("procurement_officer")
    _sv, supervisor = api_user("supervisor")
    url = f"/api/v1/flags/{flag.id}"
    assert_problem(client.post(f"{url}/acknowledge", headers=social, json={"comment": "x", "version": 1}), 403)
    acked = client.post(f"{url}/acknowledge", headers=officer, json={"comment": "Vi ringer dem.",
                                                                      "version": first_version})
    assert acked.status_code == 200, acked.get_data(as_text=True)
    assert acked.get_json()["status"] == "acknowledged"
    assert_problem(client.post(f"{url}/resolve", headers=officer, json={"note": "x", "version": 2}), 403)
    stale = assert_problem(client.post(f"{url}/resolve", headers=supervisor,
                                       json={"note": "Åtgärdat.", "version": first_version}), 409)
    assert stale["current"]["status"] == "acknowledged"
    resolved = client.post(f"{url}/resolve", headers=supervisor,
                           json={"note": "Åtgärdat.", "version": acked.get_json()["version"]})
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    short = assert_problem(client.post(f"/api/v1/flags/{other.id}/dismiss", headers=supervisor,
                                       json={"justification": "nej", "version": other_version}), 422)
    assert short["errors"][0]["field"] == "justification"
    dismissed = client.post(f"/api/v1/flags/{other.id}/dismiss", headers=supervisor,
                            json={"justification": "Tillståndet verifierades per telefon.", "version": other_version})
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "dismissed"


# --- demand profiles and matching ------------------------------------------------------------

REQUIREMENTS = [
    {"kind": "provider_kind", "value": "protected_housing", "mandatory": True},
    {"kind": "offers_service_area", "value": "trauma", "weight": 5},
    {"kind": "accepts_target_group", "value": "women", "weight": 2},
]


def _match_population(tag):
    population = {
        "both": make_provider(name=f"{tag} Båda AB", service_areas=["trauma"], target_groups=["women"]),
        "trauma": make_provider(name=f"{tag} Trauma AB", service_areas=["trauma"], target_groups=["men"]),
        "women": make_provider(name=f"{tag} Kvinnor AB", service_areas=["debt_economy"], target_groups=["women"]),
        "hvb": make_provider(name=f"{tag} HVB AB", kinds=["hvb"], service_areas=["trauma"]),
    }
    for key in ("both", "trauma", "women"):  # protected housing counts only with its IVO permit
        make_licence(population[key])
    return population


def test_profiles_and_match_by_profile_or_requirements(client, db_session, headers_for, login):
    from vendor_registry.demand import services as demand_services

    tag = uuid.uuid4().hex[:6]
    population = _match_population(tag)
    profile = demand_services.create_profile(f"Profil {tag}", "Skyddat boende med traumastöd", REQUIREMENTS)
    db_session.commit()
    headers = headers_for("social_worker")
    profiles = client.get("/api/v1/demand-profiles", headers=headers).get_json()["items"]
    mine = next(p for p in profiles if p["id"] == profile.id)
    assert mine["requirements"] == REQUIREMENTS

    ours = {_org(p) for p in population.values()}
    by_profile = client.post("/api/v1/match", headers=headers, json={"profile_id": profile.id}).get_json()
    by_requirements = client.post("/api/v1/match", headers=headers, json={"requirements": REQUIREMENTS}).get_json()
    included = [i["org_number"] for i in by_profile["included"] if i["org_number"] in ours]
    assert included == [_org(population[k]) for k in ("both", "trauma", "women")]
    assert [i["org_number"] for i in by_requirements["included"] if i["org_number"] in ours] == included
    excluded = next(e for e in by_profile["excluded"] if e["org_number"] == _org(population["hvb"]))
    assert excluded["reasons"]
    scores = {i["org_number"]: i["score"] for i in by_profile["included"]}
    assert scores[_org(population["both"])] > scores[_org(population["trauma"])] > scores[_org(population["women"])]


def test_match_ranks_exactly_as_the_matching_page(client, db_session, headers_for, as_role):
    from vendor_registry.demand import services as demand_services

    tag = uuid.uuid4().hex[:6]
    population = _match_population(tag)
    profile = demand_services.create_profile(f"Sida {tag}", None, REQUIREMENTS)
    db_session.commit()
    api = client.post("/api/v1/match", headers=headers_for("social_worker"),
                      json={"profile_id": profile.id}).get_json()
    ours = {_org(p) for p in population.values()}
    api_order = [i["org_number"] for i in api["included"] + api["excluded"] if i["org_number"] in ours]
    as_role("social_worker")
    page = client.get(f"/demand/match?run=1&profile={profile.id}").get_data(as_text=True)
    page_order = [org for org in dict.fromkeys(re.findall(r"\d{6}-\d{4}", page)) if org in ours]
    assert page_order == api_order


def test_match_input_errors(client, db_session, headers_for):
    headers = headers_for("social_worker")
    problem = assert_problem(client.post("/api/v1/match", headers=headers, json={}), 422)
    assert problem["errors"][0]["field"] == "profile_id"
    assert_problem(client.post("/api/v1/match", headers=headers, json={"profile_id": 2_000_000_000}), 404)
    problem = assert_problem(client.post("/api/v1/match", headers=headers, json={
        "requirements": [{"kind": "offers_service_area", "value": "trauma"}]}), 422)
    assert problem["errors"][0]["field"] == "requirements.0.weight"
    problem = assert_problem(client.post("/api/v1/match", headers=headers, json={
        "requirements": [{"kind": "provider_kind", "value": {"a": 1}, "mandatory": True}]}), 422)
    assert problem["errors"][0]["field"] == "requirements.0.value"
