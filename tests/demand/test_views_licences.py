"""Matching pages follow the licence facts (no sweep, no flag needed), offer provider kind and
licence on the ad hoc form, show each candidate's licences, methods and capacity, and list the
excluded nearest first. Real database (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.factories import make_contract, make_licence, make_method, make_provider
from vendor_registry import clock
from vendor_registry.demand import services
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.licences import services as licence_services
from vendor_registry.methods.models import ProviderMethod

REVOKED = "Tillståndet för skyddat boende är återkallat"


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _included_names(soup) -> list[str]:
    table = soup.find("caption", string="Utförare som matchar, bäst först").find_parent("table")
    return [row.th.a.get_text(strip=True) for row in table.tbody.find_all("tr") if row.th]


def _excluded(soup) -> list[tuple[str, list[str]]]:
    items = soup.select("ol.excluded > li")
    return [(li.a.get_text(strip=True), [r.get_text(" ", strip=True).removeprefix("Ska-krav ").strip()
                                         for r in li.select("ul.reasons > li")]) for li in items]


@pytest.fixture
def skane(db_session):
    """Three protected-housing providers in Skåne: one with its permit in force, one whose permit
    is revoked through the licence service (no sweep runs, so no flag exists), one with none."""
    good = make_provider(name="Gott Skydd AB", counties_served=["12"], capacity=12)
    make_licence(good, ends_on=clock.today() + timedelta(days=400), verification_method="ivo_register",
                 last_verified_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    make_contract(good, price_per_day=Decimal(2900))
    method = make_method(name="Återfallsprevention", short_name="ÅP", evidence_level="moderate")
    db.session.add(ProviderMethod(provider_id=good.id, method_id=method.id, trained_staff=3))
    revoked = make_provider(name="Återkallat Skydd AB", counties_served=["12"], capacity=None)
    licence = make_licence(revoked)
    make_contract(revoked, price_per_day=Decimal(2900))
    unlicensed = make_provider(name="Olicensierat Skydd AB", counties_served=["12"])
    make_contract(unlicensed, price_per_day=Decimal(2900))
    db_session.commit()
    licence_services.update_licence(licence, {"status": "revoked"}, licence.version)
    db_session.commit()
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0  # facts only, no sweep
    return good, revoked, unlicensed, method


def test_revoked_permit_excludes_at_once_without_licence_valid_or_sweep(client, as_role, skane, db_session):
    _good, revoked, _unlicensed, _method = skane
    as_role("social_worker")
    query = urlencode({"run": 1, "housing_form": "own_flat", "counties": "12"})
    soup = _soup(client.get(f"/demand/match?{query}"))
    assert _included_names(soup) == ["Gott Skydd AB"]
    excluded = dict(_excluded(soup))
    assert excluded["Återkallat Skydd AB"] == [REVOKED]
    assert excluded["Olicensierat Skydd AB"] == [
        "Saknar gällande tillstånd från IVO för skyddat boende, som verksamheten kräver"]
    # a saved profile that never mentions licences, with the critical-flag option ticked
    profile = services.create_profile("Skåne, pris", None, [{"kind": "serves_county", "value": "12", "mandatory": True},
                                                            {"kind": "price_per_day_at_most", "value": "3000",
                                                             "mandatory": True}])
    db_session.commit()
    soup = _soup(client.get(f"/demand/match?run=1&profile={profile.id}&include_critical=y"))
    assert "Återkallat Skydd AB" not in _included_names(soup)
    assert dict(_excluded(soup))["Återkallat Skydd AB"] == [REVOKED]
    explain = _soup(client.get(f"/demand/match/explain/{revoked.id}?run=1&profile={profile.id}"))
    assert REVOKED in explain.get_text()
    assert "Återkallat" in explain.select_one("ul.licences").get_text()


def test_ad_hoc_form_offers_provider_kind_and_valid_licence_of_kind(client, as_role, skane, db_session):
    _good, _revoked, _unlicensed, _method = skane
    both = make_provider(name="Båda Tillstånden AB", kinds=["protected_housing", "hvb"], counties_served=["12"])
    make_licence(both)
    make_licence(both, kind="hvb")
    db_session.commit()
    as_role("social_worker")
    form = _soup(client.get("/demand/match"))
    assert [o["value"] for o in form.select("select[name=provider_kind] option")][:3] == ["", "defector_support", "hvb"]
    assert [i["value"] for i in form.select("input[name=licences]")] == [
        "hvb", "protected_housing", "supported_housing", "other"]
    query = urlencode({"run": 1, "provider_kind": "protected_housing", "licences": ["protected_housing", "hvb"]},
                      doseq=True)
    soup = _soup(client.get(f"/demand/match?{query}"))
    assert _included_names(soup) == ["Båda Tillstånden AB"]
    excluded = dict(_excluded(soup))
    assert excluded["Gott Skydd AB"] == ["Saknar giltigt tillstånd för HVB"]
    assert excluded["Olicensierat Skydd AB"] == ["Är skyddat boende men saknar gällande tillstånd från IVO",
                                                 "Saknar giltigt tillstånd för skyddat boende",
                                                 "Saknar giltigt tillstånd för HVB"]
    weighted = urlencode({"run": 1, "licences": "hvb", "licences_mode": "weighted"})
    assert "Gott Skydd AB" in _included_names(_soup(client.get(f"/demand/match?{weighted}")))
    bad = client.get("/demand/match?run=1&licences=narnia&provider_kind=x")
    assert bad.status_code == 422
    assert "Verksamhetstyp" in bad.get_data(as_text=True)


def test_explain_compare_and_print_show_licences_methods_and_capacity(client, as_role, skane):
    good, revoked, _unlicensed, _method = skane
    as_role("social_worker")
    need = "run=1&counties=12"
    ends = (clock.today() + timedelta(days=400)).isoformat()
    explain = _soup(client.get(f"/demand/match/explain/{good.id}?{need}"))
    licences = explain.select_one("ul.licences").get_text(" ", strip=True)
    assert "Skyddat boende (tillstånd): Gällande" in licences
    assert f"gäller till {ends}" in licences
    assert "verifierat 2026-11-30 10:00 (IVO:s register)" in licences
    assert "Återfallsprevention (ÅP): evidens måttligt stöd, 3 utbildade" in explain.select_one(
        "ul.methods").get_text(" ", strip=True)
    assert explain.select_one("p.capacity").get_text(strip=True) == "12 platser"

    compare = _soup(client.get(f"/demand/match/compare?{need}&provider={good.id}&provider={revoked.id}"))
    cells = [ul.get_text(" ", strip=True) for ul in compare.select("ul.licences")]
    assert len(cells) == 2 and "Gällande" in cells[0] and "Återkallat" in cells[1]
    assert [td.get_text(strip=True) for td in compare.select("td.capacity")] == ["12 platser", "Antal platser ej angivet"]
    assert "Inga metoder registrerade" in compare.select("ul.methods")[1].get_text()

    printed = _soup(client.get(f"/demand/match/print?{need}"))
    facts = printed.select("tr.facts")
    assert len(facts) == 1  # only the included provider: the others are not offered
    assert f"gäller till {ends}" in facts[0].get_text(" ", strip=True)
    assert "12 platser" in facts[0].get_text()


def test_excluded_are_listed_nearest_first_on_page_print_and_csv(client, as_role, db_session):
    def provider(name, price, counties=("12",), status="approved", areas=("protection_housing",)):
        p = make_provider(name=name, counties_served=list(counties), status=status, service_areas=list(areas))
        make_licence(p)
        make_contract(p, price_per_day=Decimal(price))
        return p

    provider("Aaa Två Fel AB", 3400, counties=("01",))
    provider("Bbb Utkast AB", 2500, status="draft", areas=("trauma",))
    provider("Ccc Bara Pris AB", 3400, areas=("trauma",))
    provider("Ddd Bara Pris Lägre Poäng AB", 3400)
    provider("Eee Passar AB", 2500)
    db_session.commit()
    as_role("social_worker")
    query = urlencode({"run": 1, "counties": "12", "max_price": 3000, "service_areas": "trauma"})
    soup = _soup(client.get(f"/demand/match?{query}"))
    order = ["Ccc Bara Pris AB", "Ddd Bara Pris Lägre Poäng AB", "Aaa Två Fel AB", "Bbb Utkast AB"]
    assert [name for name, _reasons in _excluded(soup) if name in order] == order
    top = _excluded(soup)[0]
    assert top == ("Ccc Bara Pris AB", ["Dygnspris 3\u00a0400\u00a0kr överstiger högst 3\u00a0000\u00a0kr"])
    printed = client.get(f"/demand/match/print?{query}").get_data(as_text=True)
    assert [printed.index(name) for name in order] == sorted(printed.index(name) for name in order)
    csv = client.get(f"/demand/match/export.csv?{query}").get_data().decode("utf-8-sig")
    assert [csv.index(name) for name in order] == sorted(csv.index(name) for name in order)


@pytest.mark.parametrize("path", ["/demand/match?", "/demand/match/print?"])
def test_statement_count_with_kind_and_licence_needs_does_not_grow(client, as_role, statement_counter,
                                                                   db_session, path):
    from .factories import bulk_providers

    as_role("social_worker")
    url = path + urlencode({"run": 1, "provider_kind": "protected_housing", "licences": "hvb",
                            "licences_mode": "weighted", "housing_form": "own_flat"})
    bulk_providers(10, seed=5)
    db_session.commit()
    with statement_counter() as few:
        assert client.get(url).status_code == 200
    bulk_providers(300, seed=6)
    db_session.commit()
    with statement_counter() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)
