"""Matching never offers what the licence facts exclude, and orders the excluded by how near
they came (pure engine, no database, no flags: the snapshots carry no flag at all)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from vendor_registry.codes import RequirementKind as K
from vendor_registry.demand import licensing
from vendor_registry.demand.matching import match
from vendor_registry.demand.rules import evaluate
from vendor_registry.demand.snapshots import LicenceSnap

from .helpers import TODAY, must, snap, want

PH = "protected_housing"
YESTERDAY = TODAY - timedelta(days=1)


def reasons(provider, reqs, **options):
    result = match([provider], reqs, today=TODAY, **options)
    assert not result.included, "expected the provider to be excluded"
    return list(result.excluded[0].reasons)


def included(provider, reqs, **options) -> bool:
    return bool(match([provider], reqs, today=TODAY, **options).included)


# -- the need does not name licence_valid, and no sweep has run (critical_flags=0) ------------

@pytest.mark.parametrize("licence,text", [
    (LicenceSnap(PH, "revoked"), "Tillståndet för skyddat boende är återkallat"),
    (LicenceSnap(PH, "expired"), "Tillståndet för skyddat boende har upphört"),
    (LicenceSnap(PH, "valid", YESTERDAY), f"Tillståndet för skyddat boende gällde till {YESTERDAY.isoformat()}"),
    (LicenceSnap(PH, "revocation_appealed"), "Tillståndet för skyddat boende är återkallat (beslutet är överklagat)"),
])
@pytest.mark.parametrize("reqs", [
    [],  # no requirement at all: the provider's own kind depends on the licence
    [must(K.ACCEPTS_TARGET_GROUP, "adults"), must(K.HOUSING_FORM, "own_flat")],
    [want(K.PROVIDER_KIND, PH, 3)],
    [must(K.PROVIDER_KIND, PH)],
])
def test_a_lapsed_licence_of_the_providers_kind_excludes_whatever_the_need(licence, text, reqs):
    p = snap(kinds={PH}, critical_flags=0, open_flags=0, licences=(licence,))
    assert text in reasons(p, reqs)
    assert text in reasons(p, reqs, include_critical=True, include_unapproved=True)


def test_ending_today_is_still_in_force():
    p = snap(kinds={PH}, licences=(LicenceSnap(PH, "valid", TODAY),))
    assert included(p, [must(K.HOUSING_FORM, "own_flat"), must(K.PROVIDER_KIND, PH)])


def test_a_named_licence_kind_is_a_dependency_even_when_the_provider_is_not_of_that_kind():
    p = snap(kinds={"outpatient"}, licences=(LicenceSnap("hvb", "revoked"),))
    assert included(p, [])  # outpatient needs no licence; nobody asked for HVB
    assert reasons(p, [want(K.LICENCE_VALID, "hvb", 2)]) == ["Tillståndet för HVB är återkallat"]


def test_an_expired_licence_replaced_by_one_in_force_is_a_renewal_but_a_revocation_is_not():
    renewed = snap(kinds={PH}, licences=(LicenceSnap(PH, "expired"), LicenceSnap(PH, "valid", None)))
    assert included(renewed, [must(K.HOUSING_FORM, "own_flat")])
    ended = snap(kinds={PH}, licences=(LicenceSnap(PH, "valid", YESTERDAY), LicenceSnap(PH, "valid", None)))
    assert included(ended, [must(K.HOUSING_FORM, "own_flat")])
    revoked = snap(kinds={PH}, licences=(LicenceSnap(PH, "revoked"), LicenceSnap(PH, "valid", None)))
    assert reasons(revoked, []) == ["Tillståndet för skyddat boende är återkallat"]


def test_a_lapsed_licence_of_another_kind_the_provider_runs_also_excludes():
    p = snap(kinds={PH, "hvb"}, licences=(LicenceSnap(PH, "valid"), LicenceSnap("hvb", "revoked")))
    assert reasons(p, [must(K.PROVIDER_KIND, PH)]) == ["Tillståndet för HVB är återkallat"]


# -- a required licence that is missing entirely -------------------------------------------

def test_a_kind_without_its_licence_is_not_offered_as_that_kind_nor_at_all():
    p = snap(kinds={PH, "outpatient"}, licences=())
    outcome = evaluate(p, must(K.PROVIDER_KIND, PH), TODAY)
    assert not outcome.met and outcome.text == "Är skyddat boende men saknar gällande tillstånd från IVO"
    assert evaluate(p, must(K.PROVIDER_KIND, "outpatient"), TODAY).met
    assert reasons(p, [must(K.PROVIDER_KIND, PH)]) == ["Är skyddat boende men saknar gällande tillstånd från IVO"]
    missing = "Saknar gällande tillstånd från IVO för skyddat boende, som verksamheten kräver"
    for reqs in ([], [must(K.PROVIDER_KIND, "outpatient")], [want(K.PROVIDER_KIND, PH, 4)],
                 [must(K.OFFERS_METHOD, "KSL")]):
        assert reasons(p, reqs) == [missing]  # whatever the need, and with no flag raised
    applied = snap(kinds={"hvb"}, licences=(LicenceSnap("hvb", "applied"),))
    assert reasons(applied, []) == ["Saknar gällande tillstånd från IVO för HVB, som verksamheten kräver"]


def test_private_protected_housing_needs_a_permit_public_a_notification():
    notified = (LicenceSnap(PH, "valid", None, "notification"),)
    private = snap(kinds={PH}, ownership="private", licences=notified)
    public = snap(kinds={PH}, ownership="public", licences=notified)
    assert not evaluate(private, must(K.PROVIDER_KIND, PH), TODAY).met
    assert evaluate(public, must(K.PROVIDER_KIND, PH), TODAY).text == "Är skyddat boende med gällande anmälan till IVO"
    permitted = snap(kinds={PH}, ownership="public", licences=(LicenceSnap(PH, "valid"),))
    assert evaluate(permitted, must(K.PROVIDER_KIND, PH), TODAY).text == "Är skyddat boende med gällande tillstånd från IVO"
    assert evaluate(snap(kinds={"outpatient"}), must(K.PROVIDER_KIND, "outpatient"), TODAY).text == "Är öppenvård"
    assert not evaluate(snap(kinds={PH}, ownership="public", licences=()), must(K.PROVIDER_KIND, PH), TODAY).met
    assert evaluate(snap(kinds={PH}, ownership="public", licences=()), must(K.PROVIDER_KIND, PH),
                    TODAY).text == "Är skyddat boende men saknar gällande anmälan till IVO"
    assert reasons(private, [must(K.HOUSING_FORM, "own_flat")]) == [
        "Saknar gällande tillstånd från IVO för skyddat boende, som verksamheten kräver"]
    assert included(public, [must(K.HOUSING_FORM, "own_flat")])


def test_missing_licence_is_said_once_when_a_ska_krav_already_says_it():
    p = snap(kinds={PH}, licences=())
    assert reasons(p, [must(K.LICENCE_VALID, PH), must(K.HOUSING_FORM, "own_flat")]) == [
        "Saknar giltigt tillstånd för skyddat boende"]
    assert reasons(p, [want(K.LICENCE_VALID, PH, 2), must(K.HOUSING_FORM, "own_flat")]) == [
        "Saknar gällande tillstånd från IVO för skyddat boende, som verksamheten kräver"]


def test_dependencies_only_grow_with_requirements():
    assert licensing.dependencies([]) == licensing.Dependencies()
    deps = licensing.dependencies([want(K.PROVIDER_KIND, "supported_housing"), must(K.LICENCE_VALID, "hvb"),
                                   must(K.PROVIDER_KIND, "outpatient"), want(K.HOUSING_FORM, "collective")])
    assert deps == licensing.Dependencies(frozenset({"supported_housing", "hvb"}))


# -- ordering of the excluded -------------------------------------------------------------

def test_excluded_are_ordered_by_how_near_they_came():
    reqs = [must(K.PRICE_PER_DAY_AT_MOST, "3000"), must(K.SERVES_COUNTY, "12"),
            want(K.OFFERS_SERVICE_AREA, "trauma", 4), want(K.ACCEPTS_TARGET_GROUP, "women", 1)]
    skane = {"12"}
    price_only = snap(name="Öst Omsorg AB", counties_served=skane, lowest_price=Decimal(3400),
                      service_areas={"trauma"})
    price_only_low = snap(name="Alfa AB", counties_served=skane, lowest_price=Decimal(3400))
    two_failed = snap(name="Beta AB", counties_served={"01"}, lowest_price=Decimal(3400), service_areas={"trauma"})
    draft = snap(name="Aaa Utkast AB", status="draft", counties_served=skane, service_areas={"trauma"})
    revoked = snap(name="Aab Återkallad AB", counties_served=skane, licences=(LicenceSnap(PH, "revoked"),))
    fits = snap(name="Zeta AB", counties_served=skane)
    result = match([draft, revoked, two_failed, price_only_low, price_only, fits], reqs, today=TODAY)
    assert [i.provider.name for i in result.included] == ["Zeta AB"]
    assert [e.provider.name for e in result.excluded] == [
        "Öst Omsorg AB",  # price alone, score 80
        "Alfa AB",  # price alone, score 0
        "Beta AB",  # price and county
        "Aaa Utkast AB",  # meets every requirement but is not approved
        "Aab Återkallad AB",  # meets every requirement but its permit is revoked
    ]
    first = result.excluded[0]
    assert first.reasons == ("Dygnspris 3\u00a0400\u00a0kr överstiger högst 3\u00a0000\u00a0kr",)
    assert (first.failed, first.blocked, first.score) == (1, 0, 80)
    assert result.excluded[2].reasons == ("Dygnspris 3\u00a0400\u00a0kr överstiger högst 3\u00a0000\u00a0kr",
                                          "Verkar inte i Skåne län")
    assert result.excluded[3].reasons == ("Inte godkänd (status: utkast)",)
