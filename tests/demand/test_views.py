"""Demand pages per role: editing profiles, matching, explanation, comparison, export."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.factories import make_contract, make_licence, make_method, make_provider
from vendor_registry.demand import services
from vendor_registry.demand.models import DemandProfile
from vendor_registry.extensions import db

ROW = {"kind": "housing_form", "value": "own_flat", "mandatory": True}


def form_rows(rows: list[dict]) -> dict:
    data = {}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"requirements-{i}-{key}"] = value
    return data


@pytest.fixture
def providers(db_session):
    skane = make_provider(name="Södra Skyddet AB", counties_served=["12", "13"], max_threat_level="high",
                          target_groups=["adults"], service_areas=["protection_housing", "trauma"])
    make_licence(skane)
    make_contract(skane)
    stockholm = make_provider(name="Norra Boendet AB", counties_served=["01"], max_threat_level="high")
    make_licence(stockholm)
    draft = make_provider(name="Utkastet AB", status="draft", counties_served=["12"])
    db_session.commit()
    return skane, stockholm, draft


@pytest.mark.parametrize("role", ["social_worker", "procurement_officer", "supervisor", "admin"])
def test_everyone_can_view_profiles_and_match(client, as_role, role, db_session):
    profile = services.create_profile("Visas för alla", None, [ROW])
    db_session.commit()
    as_role(role)
    assert client.get("/demand/profiles").status_code == 200
    assert client.get(f"/demand/profiles/{profile.id}").status_code == 200
    assert client.get("/demand/match").status_code == 200
    assert client.get(f"/demand/match?run=1&profile={profile.id}").status_code == 200


def test_social_worker_cannot_edit_profiles(client, as_role, db_session):
    profile = services.create_profile("Låst", None, [ROW])
    db_session.commit()
    as_role("social_worker")
    assert client.get("/demand/profiles/new").status_code == 403
    assert client.post("/demand/profiles/new", data={"name": "X", **form_rows([ROW])}).status_code == 403
    assert client.get(f"/demand/profiles/{profile.id}/edit").status_code == 403
    assert client.post(f"/demand/profiles/{profile.id}/copy").status_code == 403
    assert client.post(f"/demand/profiles/{profile.id}/retire", data={"version": profile.version}).status_code == 403
    assert db.session.query(DemandProfile).filter_by(name="X").count() == 0


def test_create_profile_through_the_form(client, as_role):
    as_role("procurement_officer")
    rows = [{**ROW, "mode": "mandatory"}, {"kind": "serves_county", "value": "Skåne län", "mode": "weighted", "weight": "4"},
            {"kind": "", "value": "", "mode": "mandatory"}]
    response = client.post("/demand/profiles/new", data={"name": "Skyddat boende, vuxen med hotbild", "save": "1",
                                                         **form_rows(rows)})
    assert response.status_code == 302
    profile = db.session.query(DemandProfile).filter_by(name="Skyddat boende, vuxen med hotbild").one()
    assert [r.as_dict() for r in profile.requirements] == [
        {"kind": "housing_form", "value": "own_flat", "mandatory": True},
        {"kind": "serves_county", "value": "12", "weight": 4}]


def test_add_row_without_javascript_keeps_input(client, as_role):
    as_role("procurement_officer")
    response = client.post("/demand/profiles/new", data={"name": "Halvfärdig", "add_row": "1",
                                                         **form_rows([{**ROW, "mode": "mandatory"}])})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Halvfärdig"' in html and 'name="requirements-1-kind"' in html
    assert db.session.query(DemandProfile).filter_by(name="Halvfärdig").count() == 0


def test_bad_value_is_422_with_swedish_message_and_input_kept(client, as_role):
    as_role("procurement_officer")
    rows = [{"kind": "serves_county", "value": "Narnia", "mode": "mandatory"}]
    response = client.post("/demand/profiles/new", data={"name": "Fel", "save": "1", **form_rows(rows)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Okänt län ”Narnia”" in html and 'value="Narnia"' in html
    assert 'href="#requirements-0-value"' in html
    assert db.session.query(DemandProfile).filter_by(name="Fel").count() == 0


def test_stale_edit_is_409_names_who_and_keeps_input(client, as_role, db_session):
    profile = services.create_profile("Delad", None, [ROW])
    db_session.commit()
    seen = profile.version
    services.update_profile(profile, "Delad", None, [{**ROW, "value": "collective"}], seen)  # someone else
    db_session.commit()
    assert profile.version == seen + 1
    as_role("procurement_officer")
    rows = [{**ROW, "mode": "mandatory", "value": "Egen lägenhet"}, {"kind": "serves_county", "value": "12",
                                                                    "mode": "mandatory"}]
    response = client.post(f"/demand/profiles/{profile.id}/edit",
                           data={"name": "Delad", "version": seen, "save": "1", **form_rows(rows)})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Ändrat av system" in html and 'value="12"' in html
    db_session.expire_all()
    assert [r.value for r in db.session.get(DemandProfile, profile.id).requirements] == ["collective"]


def test_edit_bumps_version_and_copy_retire(client, as_role, db_session):
    profile = services.create_profile("Original", None, [ROW])
    db_session.commit()
    as_role("supervisor")
    page = client.get(f"/demand/profiles/{profile.id}/edit").get_data(as_text=True)
    assert '<option value="own_flat" selected>Egen lägenhet</option>' in page
    rows = [{**ROW, "mode": "weighted", "weight": "3"}]
    response = client.post(f"/demand/profiles/{profile.id}/edit",
                           data={"name": "Original", "version": profile.version, "save": "1", **form_rows(rows)})
    assert response.status_code == 302
    db_session.expire_all()
    assert db.session.get(DemandProfile, profile.id).version == 2
    response = client.post(f"/demand/profiles/{profile.id}/copy")
    assert response.status_code == 302
    assert db.session.query(DemandProfile).filter_by(name="Kopia av Original").count() == 1
    response = client.post(f"/demand/profiles/{profile.id}/retire", data={"version": 2, "action": "retire"})
    assert response.status_code == 302
    assert db.session.get(DemandProfile, profile.id).status.value == "retired"


def test_ad_hoc_match_ranks_and_explains_without_writing(client, as_role, providers, statement_counter):
    skane, stockholm, _draft = providers
    as_role("social_worker")
    query = urlencode({"run": 1, "target_group": "adults", "threat_level": "high", "excluded_counties": "01",
                       "service_areas": "trauma"}, doseq=True)
    with statement_counter() as statements:
        response = client.get(f"/demand/match?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    included = html.split("utförare matchar inte")[0]
    assert "Södra Skyddet AB" in included and "Norra Boendet AB" not in included
    assert "Varför inte den här utföraren?" in html
    assert "Verkar bara i uteslutna län (Stockholms län)" in html
    assert "Inte godkänd (status: utkast)" in html
    assert f'/providers/{skane.id}"' in html

    explain = client.get(f"/demand/match/explain/{stockholm.id}?{query}")
    assert explain.status_code == 200
    assert "Verkar bara i uteslutna län" in explain.get_data(as_text=True)

    compare = client.get(f"/demand/match/compare?{query}&provider={skane.id}&provider={stockholm.id}")
    text = compare.get_data(as_text=True)
    assert compare.status_code == 200 and "Södra Skyddet AB" in text and "Norra Boendet AB" in text
    assert client.get(f"/demand/match/compare?{query}&provider={skane.id}").status_code == 302


def test_wanted_counties_minus_excluded(client, as_role, providers):
    as_role("social_worker")
    html = client.get("/demand/match?run=1&counties=12&counties=01&excluded_counties=01").get_data(as_text=True)
    included = html.split("utförare matchar inte")[0]
    assert "Södra Skyddet AB" in included and "Norra Boendet AB" not in included
    bad = client.get("/demand/match?run=1&counties=01&excluded_counties=01")
    assert bad.status_code == 422 and "Alla önskade län är också uteslutna." in bad.get_data(as_text=True)


def test_export_csv_and_print(client, as_role, providers, db_session):
    profile = services.create_profile("HVB 16–20 med missbruk", None,
                                      [{"kind": "serves_county", "value": "12", "mandatory": True}])
    db_session.commit()
    as_role("social_worker")
    response = client.get(f"/demand/match/export.csv?profile={profile.id}")
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Kravprofil;Version;Datum;Placering;Organisationsnummer")
    assert any(line.startswith(f"HVB 16–20 med missbruk;{profile.version};") and "Södra Skyddet AB" in line
               for line in lines)
    assert any("Verkar inte i Skåne län" in line for line in lines)
    printed = client.get(f"/demand/match/print?profile={profile.id}").get_data(as_text=True)
    assert "HVB 16–20 med missbruk" in printed and f"version {profile.version}" in printed


def test_critical_flag_option_gives_warning(client, as_role, providers, db_session):
    from vendor_registry.flags.models import Flag

    skane = providers[0]
    db.session.add(Flag(provider_id=skane.id, rule="licence_lapsed", subject_key="x", severity="critical",
                        status="acknowledged", message="m"))
    db_session.commit()
    as_role("social_worker")
    html = client.get("/demand/match?run=1&counties=12").get_data(as_text=True)
    assert "Har öppen kritisk avvikelse" in html
    html = client.get("/demand/match?run=1&counties=12&include_critical=y").get_data(as_text=True)
    assert "Varning: 1 öppen kritisk avvikelse" in html.split("utförare matchar inte")[0]


def test_methods_need_uses_catalogue(client, as_role, providers, db_session):
    from vendor_registry.methods.models import ProviderMethod

    method = make_method(name="Återfallsprevention", short_name="ÅP")
    db.session.add(ProviderMethod(provider_id=providers[0].id, method_id=method.id))
    db_session.commit()
    as_role("social_worker")
    html = client.get(f"/demand/match?run=1&methods={method.id}&methods_mode=mandatory").get_data(as_text=True)
    assert "Erbjuder inte Återfallsprevention" in html
    assert "Södra Skyddet AB" in html.split("utförare matchar inte")[0]


def test_saved_profile_can_be_adjusted_for_one_case(client, as_role, providers, db_session):
    profile = services.create_profile("Skåne och HVB", None, [
        {"kind": "serves_county", "value": "12", "mandatory": True},
        {"kind": "licence_valid", "value": "hvb", "mandatory": True}])
    db_session.commit()
    as_role("social_worker")
    base = f"/demand/match?run=1&profile={profile.id}"
    html = client.get(base).get_data(as_text=True)
    assert "Justera profilens krav" in html
    assert "Södra Skyddet AB" not in html.split("utförare matchar inte")[0]  # has no HVB licence
    softened = client.get(f"{base}&soften=1").get_data(as_text=True)
    included = softened.split("utförare matchar inte")[0]
    assert "Södra Skyddet AB" in included and "Saknar giltigt tillstånd för HVB" in included
    assert "Skåne och HVB (justerad)" in softened
    dropped = client.get(f"{base}&drop=0&drop=1").get_data(as_text=True)
    assert "Norra Boendet AB" in dropped.split("utförare matchar inte")[0]
    assert client.get(f"{base}&drop=7").status_code == 422


def test_match_page_statement_count_does_not_grow(client, as_role, statement_counter, db_session):
    from .factories import bulk_providers

    as_role("social_worker")
    url = "/demand/match?run=1&target_group=adults&excluded_counties=01&service_areas=trauma&max_price=3500"
    bulk_providers(10, seed=7)
    db_session.commit()
    with statement_counter() as few:
        assert client.get(url).status_code == 200
    bulk_providers(400, seed=8)
    db_session.commit()
    with statement_counter() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)
