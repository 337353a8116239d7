"""Properties of the engine over generated snapshots and profiles (hypothesis)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from vendor_registry import codes as c
from vendor_registry.codes import RequirementKind as K
from vendor_registry.demand.matching import match
from vendor_registry.demand.requirements import Req
from vendor_registry.demand.snapshots import LicenceSnap, MethodSnap, ProviderSnapshot

from .helpers import TODAY

COUNTY_CODES = sorted(c.COUNTIES)[:5]


def codes_of(enum_cls):
    return [m.value for m in enum_cls]


def subset(values):
    return st.frozensets(st.sampled_from(values), max_size=len(values))


@st.composite
def snapshots(draw, pid):
    return ProviderSnapshot(
        id=pid,
        org_number=f"{5560000000 + pid}",
        name=draw(st.sampled_from(["Alfa", "Beta", "Gamma", "Delta"])),
        status=draw(st.sampled_from(["approved", "approved", "conditionally_approved", "draft", "suspended"])),
        kinds=draw(subset(codes_of(c.ProviderKind))),
        counties_served=draw(subset(COUNTY_CODES)),
        target_groups=draw(subset(codes_of(c.TargetGroup))),
        housing_forms=draw(subset(codes_of(c.HousingForm))),
        service_areas=draw(subset(codes_of(c.ServiceAreaCode)[:4])),
        max_threat_level=draw(st.none() | st.sampled_from(codes_of(c.ThreatLevel))),
        licences=tuple(draw(st.lists(st.builds(
            LicenceSnap, st.sampled_from(codes_of(c.LicenceKind)), st.sampled_from(["valid", "revoked", "applied"]),
            st.none() | st.dates(TODAY - timedelta(days=3), TODAY + timedelta(days=3))), max_size=2))),
        methods=tuple(draw(st.lists(st.builds(
            MethodSnap, st.integers(1, 4), st.sampled_from(["KSL", "ART", "MI"]),
            st.sampled_from(codes_of(c.EvidenceLevel))), max_size=3))),
        latest_review_on=draw(st.none() | st.dates(date(2024, 1, 1), TODAY)),
        latest_review_outcome=draw(st.none() | st.sampled_from(codes_of(c.ReviewOutcome))),
        open_flags=draw(st.integers(0, 3)),
        critical_flags=draw(st.integers(0, 1)),
        lowest_price=draw(st.none() | st.integers(1500, 4500).map(Decimal)),
        checks_current=draw(st.booleans()),
    )


@st.composite
def populations(draw):
    n = draw(st.integers(0, 12))
    return [draw(snapshots(pid)) for pid in range(1, n + 1)]


REQ_VALUES = st.one_of(
    st.tuples(st.just(K.PROVIDER_KIND), st.sampled_from(codes_of(c.ProviderKind))),
    st.tuples(st.just(K.LICENCE_VALID), st.sampled_from(codes_of(c.LicenceKind))),
    st.tuples(st.just(K.OFFERS_METHOD), st.sampled_from(["1", "2", "ksl", "art"])),
    st.tuples(st.just(K.METHOD_EVIDENCE_AT_LEAST), st.sampled_from(codes_of(c.EvidenceLevel))),
    st.tuples(st.just(K.OFFERS_SERVICE_AREA), st.sampled_from(codes_of(c.ServiceAreaCode)[:4])),
    st.tuples(st.just(K.ACCEPTS_TARGET_GROUP), st.sampled_from(codes_of(c.TargetGroup))),
    st.tuples(st.just(K.HOUSING_FORM), st.sampled_from(codes_of(c.HousingForm))),
    st.tuples(st.just(K.THREAT_LEVEL_AT_LEAST), st.sampled_from(codes_of(c.ThreatLevel))),
    st.tuples(st.just(K.SERVES_COUNTY), st.sampled_from(COUNTY_CODES)),
    st.tuples(st.just(K.PRICE_PER_DAY_AT_MOST), st.integers(1500, 4500).map(str)),
    st.tuples(st.just(K.CHECKS_CURRENT), st.just("true")),
    st.tuples(st.just(K.NO_OPEN_CRITICAL_FLAG), st.just("true")),
    st.tuples(st.just(K.REVIEWED_WITHIN_DAYS), st.integers(1, 800).map(str)),
    st.tuples(st.just(K.REVIEW_OUTCOME_AT_LEAST), st.sampled_from(codes_of(c.ReviewOutcome))),
)


@st.composite
def requirement(draw, mandatory=None):
    kind, value = draw(REQ_VALUES)
    is_mandatory = draw(st.booleans()) if mandatory is None else mandatory
    return Req(str(kind), value, is_mandatory, 0 if is_mandatory else draw(st.integers(1, 10)))


profiles = st.lists(requirement(), max_size=6)
flags = st.fixed_dictionaries({"include_critical": st.booleans(), "include_unapproved": st.booleans()})


def ids(items):
    return [i.provider.id for i in items]


@settings(max_examples=80, deadline=None)
@given(populations(), profiles, requirement(mandatory=True), flags)
def test_adding_a_mandatory_requirement_never_adds_a_provider(population, reqs, extra, options):
    before = set(ids(match(population, reqs, today=TODAY, **options).included))
    after = set(ids(match(population, [*reqs, extra], today=TODAY, **options).included))
    assert after <= before


@settings(max_examples=80, deadline=None)
@given(populations(), profiles, requirement(mandatory=False), st.integers(1, 10), flags)
def test_raising_a_met_weight_never_lowers_rank_against_one_that_does_not_meet_it(
        population, reqs, weighted, raise_by, options):
    base = [*reqs, weighted]
    raised = [*reqs, Req(weighted.kind, weighted.value, False, weighted.weight + raise_by)]
    before = match(population, base, today=TODAY, **options)
    after = match(population, raised, today=TODAY, **options)
    position_before = {i.provider.id: n for n, i in enumerate(before.included)}
    position_after = {i.provider.id: n for n, i in enumerate(after.included)}
    assert position_before.keys() == position_after.keys()  # weights never include or exclude
    meets = {i.provider.id: i.outcomes[-1].met for i in before.included}
    for a, before_a in position_before.items():
        for b, before_b in position_before.items():
            if meets[a] and not meets[b] and before_a < before_b:
                assert position_after[a] < position_after[b]


@settings(max_examples=80, deadline=None)
@given(populations(), profiles, st.randoms(use_true_random=False), flags)
def test_result_does_not_depend_on_load_order(population, reqs, rnd, options):
    shuffled = list(population)
    rnd.shuffle(shuffled)
    first = match(population, reqs, today=TODAY, **options)
    second = match(shuffled, reqs, today=TODAY, **options)
    assert first.as_dict() == second.as_dict()


@settings(max_examples=80, deadline=None)
@given(populations(), profiles, flags)
def test_every_excluded_provider_has_a_reason_and_everyone_is_accounted_for(population, reqs, options):
    result = match(population, reqs, today=TODAY, **options)
    assert all(e.reasons for e in result.excluded)
    assert sorted(ids(result.included) + ids(result.excluded)) == [p.id for p in population]
    assert all(0 <= i.score <= 100 for i in result.included)
