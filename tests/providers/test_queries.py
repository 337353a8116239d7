"""Filters of provider_query, one by one, and the per-provider status maps."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from tests.factories import make_check, make_licence, make_method, make_provider
from tests.providers.factories import make_all_checks, make_flag, make_offered_method
from vendor_registry.background_checks.queries import checks_current_map
from vendor_registry.codes import (
    CheckOutcome,
    CheckType,
    FlagSeverity,
    FlagStatus,
    LicenceStatus,
    Ownership,
    ProviderStatus,
    ThreatLevel,
)
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.queries import open_flag_counts
from vendor_registry.licences.queries import LicenceState, licence_state_map
from vendor_registry.standing.listing import ProviderFilters, provider_query


def names(filters: ProviderFilters) -> set[str]:
    return {p.name for p in db.session.scalars(provider_query(filters))}


@pytest.fixture
def trio(db_session):
    a = make_provider(name="Alfa Skydd AB", municipality="Umeå", county="24", counties_served=["24", "25"],
                      kinds=["protected_housing", "hvb"], ownership=Ownership.PRIVATE, target_groups=["women"],
                      housing_forms=["own_flat"], service_areas=["trauma"], max_threat_level=ThreatLevel.HIGH,
                      status=ProviderStatus.APPROVED)
    b = make_provider(name="Beta Stöd", municipality="Malmö", county="12", counties_served=["12"],
                      kinds=["outpatient"], ownership=Ownership.NON_PROFIT, target_groups=["adults", "men"],
                      housing_forms=["collective"], service_areas=["substance_abuse"],
                      max_threat_level=ThreatLevel.MEDIUM, status=ProviderStatus.DRAFT)
    c = make_provider(name="Gamma Omsorg", municipality="Göteborg", county="14", counties_served=["14", "13"],
                      kinds=["defector_support"], ownership=Ownership.PUBLIC, target_groups=["families"],
                      housing_forms=[], service_areas=["employment_education"], max_threat_level=ThreatLevel.LOW,
                      status=ProviderStatus.SUSPENDED)
    return a, b, c


def test_free_text_name_municipality_and_org_number(trio):
    a = trio[0]
    assert names(ProviderFilters(q="skydd")) == {"Alfa Skydd AB"}
    assert names(ProviderFilters(q="malmö")) == {"Beta Stöd"}
    hyphenated = f"{a.org_number[:6]}-{a.org_number[6:]}"
    assert names(ProviderFilters(q=hyphenated)) == {"Alfa Skydd AB"}
    assert names(ProviderFilters(q=a.org_number)) == {"Alfa Skydd AB"}
    assert names(ProviderFilters(q="100%")) == set()  # LIKE wildcards are literal


@pytest.mark.parametrize("filters, expected", [
    (ProviderFilters(statuses=["draft", "suspended"]), {"Beta Stöd", "Gamma Omsorg"}),
    (ProviderFilters(kinds=["hvb"]), {"Alfa Skydd AB"}),
    (ProviderFilters(kinds=["outpatient", "defector_support"]), {"Beta Stöd", "Gamma Omsorg"}),
    (ProviderFilters(ownership=["non_profit"]), {"Beta Stöd"}),
    (ProviderFilters(counties=["13"]), {"Gamma Omsorg"}),
    (ProviderFilters(counties=["25", "12"]), {"Alfa Skydd AB", "Beta Stöd"}),
    (ProviderFilters(target_groups=["men"]), {"Beta Stöd"}),
    (ProviderFilters(housing_forms=["own_flat"]), {"Alfa Skydd AB"}),
    (ProviderFilters(service_areas=["employment_education"]), {"Gamma Omsorg"}),
    (ProviderFilters(min_threat_level="medium"), {"Alfa Skydd AB", "Beta Stöd"}),
    (ProviderFilters(min_threat_level="high"), {"Alfa Skydd AB"}),
    (ProviderFilters(min_threat_level="low"), {"Alfa Skydd AB", "Beta Stöd", "Gamma Omsorg"}),
    (ProviderFilters(kinds=["hvb"], statuses=["draft"]), set()),
])
def test_code_filters(trio, filters, expected):
    assert names(filters) == expected


def test_method_filter(trio):
    a, b, _ = trio
    ksl, mi = make_method(name="Testmetod Alfa"), make_method(name="Testmetod Beta")
    make_offered_method(a, ksl)
    make_offered_method(b, mi)
    assert names(ProviderFilters(methods=[ksl.id])) == {"Alfa Skydd AB"}
    assert names(ProviderFilters(methods=[ksl.id, mi.id])) == {"Alfa Skydd AB", "Beta Stöd"}


def test_critical_flag_filter_counts_open_and_acknowledged_only(trio):
    a, b, c = trio
    make_flag(a, status=FlagStatus.ACKNOWLEDGED)
    make_flag(b, severity=FlagSeverity.HIGH)
    make_flag(c, status=FlagStatus.RESOLVED, resolved_at=utcnow())
    assert names(ProviderFilters(has_critical_flag=True)) == {"Alfa Skydd AB"}
    assert names(ProviderFilters(has_critical_flag=False)) == {"Beta Stöd", "Gamma Omsorg"}


def test_licence_valid_filter(trio):
    a, b, c = trio
    make_licence(a)
    make_licence(b, ends_on=date.today() - timedelta(days=1))  # valid status but ended
    make_licence(c, status=LicenceStatus.REVOKED)
    assert names(ProviderFilters(licence_valid=True)) == {"Alfa Skydd AB"}
    assert names(ProviderFilters(licence_valid=False)) == {"Beta Stöd", "Gamma Omsorg"}


def test_sorting(trio):
    ordered = [p.name for p in db.session.scalars(provider_query(ProviderFilters(sort="-name")))]
    assert ordered == ["Gamma Omsorg", "Beta Stöd", "Alfa Skydd AB"]
    by_county = [p.name for p in db.session.scalars(provider_query(ProviderFilters(sort="county")))]
    assert by_county == ["Beta Stöd", "Gamma Omsorg", "Alfa Skydd AB"]


def test_filters_round_trip_through_the_url():
    filters = ProviderFilters(q="alfa", statuses=["approved"], kinds=["hvb"], counties=["01"], methods=[3],
                              min_threat_level="high", has_critical_flag=False, licence_valid=True, sort="-name")
    args = MultiDict()
    for key, value in filters.to_args().items():
        for item in value if isinstance(value, list) else [value]:
            args.add(key, item)
    assert ProviderFilters.from_args(args) == filters


def test_bad_url_values_are_dropped_not_fatal():
    filters = ProviderFilters.from_args(MultiDict({"sort": "drop table", "min_threat": "extreme",
                                                   "method": "x1", "critical_flag": "maybe"}))
    assert filters == ProviderFilters()


def test_licence_state_map(db_session):
    valid, applied, lapsed, unknown, none, revoked, appealed = (make_provider() for _ in range(7))
    make_licence(valid)
    make_licence(valid, status=LicenceStatus.REVOKED)
    make_licence(applied, status=LicenceStatus.APPLIED)
    make_licence(lapsed, status=LicenceStatus.VALID, ends_on=date.today() - timedelta(days=3))
    make_licence(unknown, status=LicenceStatus.UNKNOWN)
    make_licence(revoked, status=LicenceStatus.REVOKED)
    make_licence(revoked, status=LicenceStatus.EXPIRED)
    make_licence(appealed, status=LicenceStatus.REVOCATION_APPEALED)
    states = licence_state_map([valid.id, applied.id, lapsed.id, unknown.id, none.id, revoked.id, appealed.id])
    assert states == {valid.id: LicenceState.VALID, applied.id: LicenceState.APPLIED,
                      lapsed.id: LicenceState.EXPIRED, unknown.id: LicenceState.UNKNOWN, none.id: LicenceState.NONE,
                      revoked.id: LicenceState.REVOKED, appealed.id: LicenceState.APPEALED}
    assert str(LicenceState.REVOKED.label) == "Tillstånd återkallat"
    assert len({str(state.label) for state in LicenceState}) == len(LicenceState)


def test_open_flag_counts(db_session):
    p, q = make_provider(), make_provider()
    make_flag(p)
    make_flag(p, severity=FlagSeverity.HIGH, status=FlagStatus.ACKNOWLEDGED)
    make_flag(p, severity=FlagSeverity.HIGH, status=FlagStatus.DISMISSED, resolved_at=utcnow(), cleared_at=utcnow())
    counts = open_flag_counts([p.id, q.id])
    assert counts[p.id].total == 2 and counts[p.id].critical == 1
    assert [(s.value, n) for s, n in counts[p.id].ordered()] == [("critical", 1), ("high", 1)]
    assert counts[q.id].total == 0


class TestChecksCurrent:
    """outpatient needs BASE_CHECKS (6 types, 90–365 days) in the seeded default policy."""

    def base(self, provider, **kw):
        from tests.factories import make_check as check

        types = [CheckType.COMPANY_REGISTRY, CheckType.TAX_REGISTRATION, CheckType.ENFORCEMENT_DEBTS,
                 CheckType.VALUES_DECLARATION, CheckType.INSURANCE, CheckType.FINANCIAL_STANDING]
        return {t: check(provider, check_type=t, performed_at=utcnow() - timedelta(days=1), **kw) for t in types}

    def test_all_required_recent_and_passing(self, db_session):
        p = make_provider(kinds=["outpatient"])
        self.base(p)
        assert checks_current_map([p.id]) == {p.id: True}

    def test_missing_type(self, db_session):
        p = make_provider(kinds=["outpatient"])
        checks = self.base(p)
        db.session.delete(checks[CheckType.INSURANCE])
        db.session.flush()
        assert checks_current_map([p.id]) == {p.id: False}

    def test_type_required_by_another_kind_counts(self, db_session):
        p = make_provider(kinds=["outpatient", "hvb"])  # hvb adds ivo_register + staff_records
        self.base(p)
        assert checks_current_map([p.id]) == {p.id: False}
        make_all_checks(p)
        assert checks_current_map([p.id]) == {p.id: True}

    def test_older_than_interval(self, db_session):
        p = make_provider(kinds=["outpatient"])
        self.base(p)
        make_check(p, check_type=CheckType.COMPANY_REGISTRY, performed_at=utcnow() - timedelta(days=400))
        assert checks_current_map([p.id]) == {p.id: True}  # an older check does not matter
        q = make_provider(kinds=["outpatient"])
        checks = self.base(q)
        checks[CheckType.COMPANY_REGISTRY].performed_at = utcnow() - timedelta(days=91)  # interval 90
        db.session.flush()
        assert checks_current_map([q.id]) == {q.id: False}

    @pytest.mark.parametrize("result, current", [(CheckOutcome.FAIL, False), (CheckOutcome.ERROR, False),
                                                 (CheckOutcome.CONCERN, True), (CheckOutcome.PASS, True)])
    def test_latest_result_decides(self, db_session, result, current):
        p = make_provider(kinds=["outpatient"])
        self.base(p)
        make_check(p, check_type=CheckType.INSURANCE, result=result)
        assert checks_current_map([p.id]) == {p.id: current}

    def test_no_required_types_is_current_and_every_id_answered(self, db_session):
        p = make_provider(kinds=["outpatient"])
        result = checks_current_map([p.id, 999999])
        assert result == {p.id: False, 999999: True}


def test_status_maps_use_a_fixed_number_of_statements(db_session, statement_counter):
    from vendor_registry.standing.status_maps import row_facts

    def count(providers):
        with statement_counter() as statements:
            facts = row_facts(providers)
        assert set(facts.checks_current) == {p.id for p in providers}
        return len(statements)

    few = [make_provider(kinds=["hvb"]) for _ in range(2)]
    many = [make_provider(kinds=["hvb", "outpatient"]) for _ in range(60)]
    for provider in many:
        make_licence(provider)
        make_flag(provider)
        make_all_checks(provider)
    assert count(few) == count(many) == 4  # licences, flags, required check types, latest checks
