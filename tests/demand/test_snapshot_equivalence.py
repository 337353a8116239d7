"""The fast snapshot loader (Core tuples, raw codes, "checks current" from fresh latest checks)
gives exactly what the previous loader gave (``reference_snapshots``: ORM-typed columns and
``checks_current_map``), and so the same ranking and reasons, on a generated data set with
checks of every type, age and result around the policy intervals."""
from __future__ import annotations

import random
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from tests.demand.reference_snapshots import reference_snapshots
from vendor_registry import clock
from vendor_registry import codes as c
from vendor_registry.background_checks.models import BackgroundCheck, CheckPolicy
from vendor_registry.background_checks.queries import checks_current_map
from vendor_registry.codes import RequirementKind as K
from vendor_registry.demand.matching import match, reason_summary
from vendor_registry.demand.queries import with_labels
from vendor_registry.demand.requirements import SERVES_COUNTY_OUTSIDE, Req, describe
from vendor_registry.demand.snapshots import load_snapshots
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence

from .factories import bulk_providers

PROFILES = [
    [Req(str(K.LICENCE_VALID), "protected_housing", True), Req(str(K.ACCEPTS_TARGET_GROUP), "adults", True),
     Req(str(K.THREAT_LEVEL_AT_LEAST), "medium", True), Req(SERVES_COUNTY_OUTSIDE, "01", True),
     Req(str(K.OFFERS_METHOD), "1", False, 3), Req(str(K.METHOD_EVIDENCE_AT_LEAST), "moderate", False, 2),
     Req(str(K.OFFERS_SERVICE_AREA), "trauma", False, 3), Req(str(K.SERVES_COUNTY), "12", False, 4),
     Req(str(K.PRICE_PER_DAY_AT_MOST), "3500", False, 2), Req(str(K.CHECKS_CURRENT), "true", False, 1),
     Req(str(K.REVIEWED_WITHIN_DAYS), "365", False, 1),
     Req(str(K.REVIEW_OUTCOME_AT_LEAST), "deficiencies", False, 1)],
    [Req(str(K.CHECKS_CURRENT), "true", True), Req(str(K.PROVIDER_KIND), "protected_housing", True),
     Req(str(K.HOUSING_FORM), "own_flat", False, 2), Req(str(K.NO_OPEN_CRITICAL_FLAG), "true", True)],
]


def _varied_rows(ids: list[int], rnd: random.Random, now: datetime) -> None:
    """Checks of every type: several per type (the latest decides; equal times, the greatest
    id), ages just inside and outside each policy interval, every result; and licences of
    both forms with verification facts."""
    intervals = sorted({days for (days,) in db.session.execute(select(CheckPolicy.interval_days))}) or [365]
    checks, licences = [], []
    for pid in ids:
        if rnd.random() < 0.4:  # every type recently passed: current unless a newer one says otherwise
            checks.extend({"provider_id": pid, "check_type": check_type, "performed_by_label": "t", "version": 1,
                           "performed_at": now - timedelta(days=1), "result": c.CheckOutcome.PASS, "summary": "s"}
                          for check_type in c.CheckType)
        for check_type in rnd.sample(list(c.CheckType), rnd.randint(0, len(c.CheckType))):
            moment = now - timedelta(days=rnd.choice(intervals) + rnd.choice([-2, -1, 1, 2]), hours=rnd.randint(0, 3))
            for _ in range(rnd.randint(1, 3)):
                checks.append({"provider_id": pid, "check_type": check_type, "performed_by_label": "t",
                               "performed_at": rnd.choice([moment, moment - timedelta(days=rnd.randint(1, 400))]),
                               "result": rnd.choice(list(c.CheckOutcome)), "summary": "s", "version": 1})
        if rnd.random() < 0.5:
            licences.append({"provider_id": pid, "kind": rnd.choice(list(c.LicenceKind)),
                             "form": rnd.choice(list(c.LicenceForm)), "status": rnd.choice(list(c.LicenceStatus)),
                             "ends_on": rnd.choice([None, clock.today() - timedelta(days=1)]), "version": 1,
                             "last_verified_at": rnd.choice([None, now - timedelta(days=3)]),
                             "verification_method": rnd.choice([None, *c.VerificationMethod])})
    db.session.execute(insert(BackgroundCheck), checks)
    db.session.execute(insert(Licence), licences)


def _summary_by_definition(excluded) -> list[tuple[str, int]]:
    """``matching.reason_summary`` as first written (a description made per provider)."""
    counts: dict[str, int] = {}
    for item in excluded:
        reasons = {describe(o.requirement) for o in item.outcomes if o.requirement.mandatory and not o.met}
        reasons.update(item.reasons[item.failed:])
        for reason in reasons:
            counts[reason] = counts.get(reason, 0) + 1
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def test_fast_loader_equals_the_reference_and_matches_identically(db_session):
    ids = bulk_providers(300, seed=21)
    _varied_rows(ids, random.Random(21), datetime.now(UTC))
    db.session.flush()
    today = clock.today()
    for day in (today, today + timedelta(days=1), today - timedelta(days=200)):
        fast, reference = load_snapshots(db.session, day), reference_snapshots(db.session, day)
        assert [s.id for s in fast] == [s.id for s in reference]
        for mine, theirs in zip(fast, reference, strict=True):
            assert mine == theirs, (day, mine.id)
        for reqs in PROFILES:
            for critical in (False, True):
                labelled = with_labels(reqs)
                result = match(fast, labelled, today=day, include_critical=critical)
                assert result == match(reference, labelled, today=day, include_critical=critical)
                assert reason_summary(result.excluded) == _summary_by_definition(result.excluded)
    current = {s.id: s.checks_current for s in load_snapshots(db.session, today)}
    assert set(current.values()) == {True, False}, "the generated set should hold both answers"
    assert {pid: current[pid] for pid in ids} == checks_current_map(ids)
    subset = ids[::7]
    assert load_snapshots(db.session, today, subset) == reference_snapshots(db.session, today, subset)


def test_loaded_snapshot_is_the_dataclass_with_every_field():
    """``ProviderSnapshot.loaded`` skips ``__init__``: given every field it is equal to (and
    hashes like) the dataclass built as usual, and stays frozen (a field the loader forgets
    fails the equivalence test above)."""
    from dataclasses import fields

    from .helpers import snap

    made = snap()
    values = {f.name: getattr(made, f.name) for f in fields(made) if f.name != "extra"}
    loaded = made.loaded(**values)
    assert loaded == made and hash(loaded) == hash(made) and loaded.extra == {}
    assert set(vars(loaded)) == {f.name for f in fields(made)}
    with pytest.raises(FrozenInstanceError):
        loaded.name = "x"
