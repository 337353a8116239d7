"""The column-wise engine (issue 15, second pass) gives exactly the result of the loop over
providers it replaced (``reference_matching``), and a load of only the facts the requirements
read (``rules.reads``) gives the same ranking and reasons as a load of every fact: random
requirement sets (every kind, ska and bör, weight 0, the same requirement twice) over generated
providers with checks and licences of every kind, status and age."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tests.demand.reference_matching import reference_match
from vendor_registry import clock
from vendor_registry import codes as c
from vendor_registry.codes import RequirementKind as K
from vendor_registry.demand import rules
from vendor_registry.demand.matching import Excluded, Included, match, reason_summary
from vendor_registry.demand.queries import match_requirements, with_labels
from vendor_registry.demand.requirements import (
    SERVES_COUNTY_AMONG,
    SERVES_COUNTY_OUTSIDE,
    Req,
)
from vendor_registry.demand.snapshots import OPTIONAL, load_snapshots
from vendor_registry.extensions import db

from .factories import bulk_providers
from .test_snapshot_equivalence import _summary_by_definition, _varied_rows

COUNTIES = sorted(c.COUNTIES)
VALUES = {
    K.PROVIDER_KIND: [str(v) for v in c.ProviderKind],
    K.LICENCE_VALID: [str(v) for v in c.LicenceKind],
    K.OFFERS_METHOD: ["1", "2", "3", "5"],
    K.METHOD_EVIDENCE_AT_LEAST: [str(v) for v in c.EvidenceLevel],
    K.OFFERS_SERVICE_AREA: [str(v) for v in c.ServiceAreaCode],
    K.ACCEPTS_TARGET_GROUP: [str(v) for v in c.TargetGroup],
    K.HOUSING_FORM: [str(v) for v in c.HousingForm],
    K.THREAT_LEVEL_AT_LEAST: [str(v) for v in c.ThreatLevel],
    K.SERVES_COUNTY: COUNTIES,
    K.PRICE_PER_DAY_AT_MOST: ["1500", "3000", "4500"],
    K.CHECKS_CURRENT: ["true"],
    K.NO_OPEN_CRITICAL_FLAG: ["true"],
    K.REVIEWED_WITHIN_DAYS: ["30", "365"],
    K.REVIEW_OUTCOME_AT_LEAST: [str(v) for v in c.ReviewOutcome],
    SERVES_COUNTY_AMONG: [",".join(COUNTIES[:3]), ",".join(COUNTIES[5:7])],
    SERVES_COUNTY_OUTSIDE: [COUNTIES[0], ",".join(COUNTIES[:10])],
}


def _random_requirements(rnd: random.Random) -> list[Req]:
    reqs = []
    for _ in range(rnd.randint(0, 9)):
        kind = rnd.choice(list(VALUES))
        mandatory = rnd.random() < 0.4
        reqs.append(Req(str(kind), rnd.choice(VALUES[kind]), mandatory, 0 if mandatory else rnd.choice([0, 1, 3, 5])))
    if reqs and rnd.random() < 0.3:
        reqs.append(rnd.choice(reqs))  # the same requirement twice
    return with_labels(reqs)


def _shown(result) -> tuple:
    """Everything a page, the export and the API show, without the snapshot's unread facts."""
    return (
        [(i.provider.id, i.score, i.met, i.unmet, i.warnings, i.outcomes) for i in result.included],
        [(e.provider.id, e.reasons, e.outcomes, e.score, e.failed, e.blocked) for e in result.excluded],
        result.requirements,
    )


def test_column_engine_and_lean_load_equal_the_reference(db_session):
    ids = bulk_providers(250, seed=31)
    rnd = random.Random(31)
    _varied_rows(ids, rnd, datetime.now(UTC))
    db.session.flush()
    today = clock.today()
    seen_both = set()
    for day in (today, today - timedelta(days=120)):
        everything = load_snapshots(db.session, day)
        for _ in range(25):
            reqs = _random_requirements(rnd)
            flags = {"include_critical": rnd.random() < 0.3, "include_unapproved": rnd.random() < 0.2}
            result = match(everything, reqs, today=day, **flags)
            assert result == reference_match(everything, reqs, today=day, **flags), reqs
            assert all(type(i) is Included for i in result.included)
            assert all(type(e) is Excluded for e in result.excluded)
            assert reason_summary(result.excluded) == _summary_by_definition(result.excluded)
            lean = load_snapshots(db.session, day, reads=rules.reads(reqs))
            assert _shown(match(lean, reqs, today=day, **flags)) == _shown(result), reqs
            seen_both.add((bool(result.included), bool(result.excluded)))
    assert {(True, True)} <= seen_both, "some random needs should both include and exclude"


def test_lean_load_skips_only_what_no_requirement_reads(db_session, statement_counter):
    _varied_rows(bulk_providers(20, seed=32), random.Random(32), datetime.now(UTC))
    db.session.flush()
    today = clock.today()
    full = load_snapshots(db.session, today)
    lean = load_snapshots(db.session, today, reads=frozenset())
    assert any(s.methods for s in full) and any(s.lowest_price for s in full) and any(s.checks_current for s in full)
    assert not any(s.methods or s.lowest_price or s.checks_current for s in lean)
    for name in OPTIONAL:  # reading a field loads it
        only = load_snapshots(db.session, today, reads={name})
        assert [getattr(s, name) for s in only] == [getattr(s, name) for s in full], name
    with statement_counter() as all_facts:
        match_requirements([Req(str(K.CHECKS_CURRENT), "true", True), Req(str(K.OFFERS_METHOD), "1", False, 1),
                            Req(str(K.PRICE_PER_DAY_AT_MOST), "3000", False, 1)])
    with statement_counter() as few_facts:
        match_requirements([Req(str(K.ACCEPTS_TARGET_GROUP), "adults", True)])
    # method names (for the reasons), offered methods, prices, check policy, latest checks
    assert len(few_facts) == len(all_facts) - 5


def test_fast_outcome_is_the_dataclass():
    from vendor_registry.demand.rules import Outcome, evaluate

    from .helpers import snap

    req = Req(str(K.SERVES_COUNTY), "12", True)
    made = evaluate(snap(), req, clock.today())
    twin = Outcome(made.requirement, made.met, made.provider_value, made.text)
    assert made == twin and hash(made) == hash(twin) and set(vars(made)) == set(vars(twin))
