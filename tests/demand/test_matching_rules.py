"""Each requirement kind at its edges, on the pure engine (no database)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from vendor_registry.codes import RequirementKind as K
from vendor_registry.demand.matching import match, score
from vendor_registry.demand.requirements import (
    SERVES_COUNTY_AMONG,
    SERVES_COUNTY_OUTSIDE,
)
from vendor_registry.demand.rules import evaluate
from vendor_registry.demand.snapshots import LicenceSnap, MethodSnap

from .helpers import TODAY, must, snap, want


def met(provider, req) -> bool:
    return evaluate(provider, req, TODAY).met


def test_provider_kind():
    p = snap(kinds={"hvb", "protected_housing"},
             licences=(LicenceSnap("protected_housing", "valid"), LicenceSnap("hvb", "valid")))
    assert met(p, must(K.PROVIDER_KIND, "hvb"))
    assert not met(p, must(K.PROVIDER_KIND, "outpatient"))
    assert evaluate(p, must(K.PROVIDER_KIND, "outpatient"), TODAY).text == "Är inte öppenvård"


@pytest.mark.parametrize("status,ends_on,expected", [
    ("valid", None, True),
    ("valid", TODAY, True),  # ending today: still valid today
    ("valid", TODAY - timedelta(days=1), False),  # ended yesterday
    ("applied", None, False),
    ("revoked", None, False),
    ("revocation_appealed", None, False),
    ("expired", None, False),
])
def test_licence_valid_edges(status, ends_on, expected):
    p = snap(licences=(LicenceSnap("protected_housing", status, ends_on),))
    outcome = evaluate(p, must(K.LICENCE_VALID, "protected_housing"), TODAY)
    assert outcome.met is expected
    if not expected:
        assert outcome.text == "Saknar giltigt tillstånd för skyddat boende"


def test_licence_of_another_kind_does_not_count():
    p = snap(licences=(LicenceSnap("hvb", "valid", None),))
    assert not met(p, must(K.LICENCE_VALID, "protected_housing"))
    assert evaluate(p, must(K.LICENCE_VALID, "hvb"), TODAY).text == "Har giltigt tillstånd för HVB"


def test_offers_method_by_id_name_and_short_name_case_insensitive():
    p = snap(methods=(MethodSnap(7, "Kriminalitet som livsstil", "moderate", "KSL"),))
    assert met(p, must(K.OFFERS_METHOD, "7"))
    assert not met(p, must(K.OFFERS_METHOD, "8"))
    assert met(p, must(K.OFFERS_METHOD, "kriminalitet SOM livsstil"))
    assert met(p, must(K.OFFERS_METHOD, "ksl"))
    assert not met(p, must(K.OFFERS_METHOD, "ART"))
    assert not met(snap(methods=()), must(K.OFFERS_METHOD, "7"))


@pytest.mark.parametrize("have,floor,expected", [
    ("moderate", "moderate", True), ("strong", "moderate", True), ("limited", "moderate", False),
    ("not_assessed", "not_assessed", True),
])
def test_method_evidence_at_least(have, floor, expected):
    p = snap(methods=(MethodSnap(1, "A", "insufficient"), MethodSnap(2, "B", have)))
    assert met(p, must(K.METHOD_EVIDENCE_AT_LEAST, floor)) is expected


def test_method_evidence_without_methods_is_unmet():
    assert not met(snap(methods=()), must(K.METHOD_EVIDENCE_AT_LEAST, "not_assessed"))


def test_service_area_target_group_housing_form():
    p = snap(service_areas={"trauma"}, target_groups={"youth_16_20"}, housing_forms={"collective"})
    assert met(p, must(K.OFFERS_SERVICE_AREA, "trauma"))
    assert not met(p, must(K.OFFERS_SERVICE_AREA, "substance_abuse"))
    assert met(p, must(K.ACCEPTS_TARGET_GROUP, "youth_16_20"))
    assert evaluate(p, must(K.ACCEPTS_TARGET_GROUP, "adults"), TODAY).text == "Tar inte emot vuxna"
    assert met(p, must(K.HOUSING_FORM, "collective"))
    assert evaluate(p, must(K.HOUSING_FORM, "own_flat"), TODAY).text == "Erbjuder inte egen lägenhet"


@pytest.mark.parametrize("have,wanted,expected", [
    ("medium", "medium", True), ("high", "medium", True), ("low", "medium", False), (None, "low", False),
])
def test_threat_level_at_least(have, wanted, expected):
    assert met(snap(max_threat_level=have), must(K.THREAT_LEVEL_AT_LEAST, wanted)) is expected


def test_serves_county_uses_counties_served_not_seat():
    p = snap(county="12", counties_served={"13"})
    assert met(p, must(K.SERVES_COUNTY, "13"))
    outcome = evaluate(p, must(K.SERVES_COUNTY, "12"), TODAY)
    assert not outcome.met and outcome.text == "Verkar inte i Skåne län"


@pytest.mark.parametrize("price,limit,expected", [
    (Decimal(3000), "3000", True), (Decimal("3000.01"), "3000", False), (Decimal(2999), "3000", True),
])
def test_price_per_day_at_most_edges(price, limit, expected):
    assert met(snap(lowest_price=price), must(K.PRICE_PER_DAY_AT_MOST, limit)) is expected


def test_price_reason_texts():
    over = evaluate(snap(lowest_price=Decimal(3400)), must(K.PRICE_PER_DAY_AT_MOST, "3000"), TODAY)
    assert over.text == "Dygnspris 3\u00a0400\u00a0kr överstiger högst 3\u00a0000\u00a0kr"
    none = evaluate(snap(lowest_price=None), must(K.PRICE_PER_DAY_AT_MOST, "3000"), TODAY)
    assert not none.met and none.text == "Inget dygnspris i gällande avtal"


def test_checks_current_and_critical_flag():
    assert met(snap(checks_current=True), must(K.CHECKS_CURRENT))
    assert not met(snap(checks_current=False), must(K.CHECKS_CURRENT))
    assert met(snap(critical_flags=0, open_flags=3), must(K.NO_OPEN_CRITICAL_FLAG))
    assert not met(snap(critical_flags=1, open_flags=1), must(K.NO_OPEN_CRITICAL_FLAG))


@pytest.mark.parametrize("age,days,expected", [(365, "365", True), (366, "365", False), (0, "1", True)])
def test_reviewed_within_days_edges(age, days, expected):
    p = snap(latest_review_on=TODAY - timedelta(days=age))
    assert met(p, must(K.REVIEWED_WITHIN_DAYS, days)) is expected


def test_reviewed_within_days_without_review():
    outcome = evaluate(snap(latest_review_on=None, latest_review_outcome=None),
                       must(K.REVIEWED_WITHIN_DAYS, "365"), TODAY)
    assert not outcome.met and outcome.text == "Ingen uppföljning registrerad"


@pytest.mark.parametrize("have,wanted,expected", [
    ("satisfactory", "satisfactory", True), ("deficiencies", "satisfactory", False),
    ("deficiencies", "deficiencies", True), ("serious_deficiencies", "deficiencies", False),
    (None, "serious_deficiencies", False),
])
def test_review_outcome_at_least(have, wanted, expected):
    p = snap(latest_review_outcome=have, latest_review_on=date(2026, 1, 1) if have else None)
    assert met(p, must(K.REVIEW_OUTCOME_AT_LEAST, wanted)) is expected


def test_ad_hoc_counties():
    p = snap(counties_served={"01", "12"})
    assert met(p, must(SERVES_COUNTY_AMONG, "12,13"))
    assert not met(p, must(SERVES_COUNTY_AMONG, "13,14"))
    assert met(p, must(SERVES_COUNTY_OUTSIDE, "01"))  # still serves Skåne
    assert not met(p, must(SERVES_COUNTY_OUTSIDE, "01,12"))
    assert not met(snap(counties_served=set()), must(SERVES_COUNTY_OUTSIDE, "01"))


def test_every_failed_mandatory_requirement_is_named():
    p = snap(status="suspended", counties_served={"01"}, lowest_price=Decimal(3400), licences=())
    result = match([p], [must(K.LICENCE_VALID, "protected_housing"), must(K.SERVES_COUNTY, "12"),
                         must(K.PRICE_PER_DAY_AT_MOST, "3000"), must(K.HOUSING_FORM, "own_flat")], today=TODAY)
    assert not result.included
    assert list(result.excluded[0].reasons) == [  # failed ska-krav first, then the facts
        "Saknar giltigt tillstånd för skyddat boende",
        "Verkar inte i Skåne län",
        "Dygnspris 3\u00a0400\u00a0kr överstiger högst 3\u00a0000\u00a0kr",
        "Inte godkänd (status: avstängd)",
    ]
    assert (result.excluded[0].failed, result.excluded[0].blocked) == (3, 1)


def test_status_filter_and_include_unapproved():
    draft, conditional = snap(status="draft"), snap(status="conditionally_approved")
    result = match([draft, conditional], [], today=TODAY)
    assert [i.provider for i in result.included] == [conditional]
    assert result.excluded[0].reasons == ("Inte godkänd (status: utkast)",)
    assert len(match([draft], [], include_unapproved=True, today=TODAY).included) == 1


def test_critical_flag_excludes_unless_included_with_warning():
    p = snap(critical_flags=1, open_flags=2)
    assert match([p], [], today=TODAY).excluded[0].reasons == ("Har öppen kritisk avvikelse",)
    result = match([p], [], include_critical=True, today=TODAY)
    assert result.included[0].warnings == ("Varning: 1 öppen kritisk avvikelse",)


def test_score_and_lists():
    p = snap(service_areas={"trauma"})
    reqs = [want(K.OFFERS_SERVICE_AREA, "trauma", 3), want(K.OFFERS_SERVICE_AREA, "substance_abuse", 1)]
    item = match([p], reqs, today=TODAY).included[0]
    assert item.score == 75
    assert item.met == ("Erbjuder insatsområdet trauma",)
    assert item.unmet == ("Erbjuder inte insatsområdet missbruk och beroende",)
    assert score([]) == 100
    assert match([p], [must(K.OFFERS_SERVICE_AREA, "trauma")], today=TODAY).included[0].score == 100


def test_rank_ties_broken_by_flags_review_name_id():
    a = snap(id=101, name="B", open_flags=1)
    b = snap(id=102, name="B", open_flags=0, latest_review_on=date(2025, 1, 1))
    c = snap(id=103, name="B", open_flags=0, latest_review_on=date(2026, 1, 1))
    d = snap(id=104, name="A", open_flags=0, latest_review_on=date(2026, 1, 1))
    e = snap(id=99, name="A", open_flags=0, latest_review_on=date(2026, 1, 1))
    ranked = [i.provider.id for i in match([a, b, c, d, e], [], today=TODAY).included]
    assert ranked == [99, 104, 103, 102, 101]


def test_as_dict_shape():
    p = snap(org_number="5560160680")
    data = match([p, snap(status="draft", org_number="5560160681")], [], today=TODAY).as_dict()
    assert data["included"][0] == {"org_number": "556016-0680", "name": p.name, "score": 100,
                                   "met": [], "unmet": [], "warnings": []}
    assert data["excluded"][0]["org_number"] == "556016-0681"
    assert data["excluded"][0]["reasons"] == ["Inte godkänd (status: utkast)"]
