"""Snapshots from the database: correct values, and a fixed number of statements per match."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tests.factories import (
    make_check,
    make_contract,
    make_licence,
    make_method,
    make_provider,
    make_review,
)
from vendor_registry.codes import CheckOutcome, CheckType, FlagSeverity, FlagStatus
from vendor_registry.codes import RequirementKind as K
from vendor_registry.demand.queries import match_requirements
from vendor_registry.demand.requirements import Req
from vendor_registry.demand.snapshots import load_snapshots
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag

from .factories import bulk_providers

PROFILE = [
    Req(str(K.LICENCE_VALID), "protected_housing", True), Req(str(K.OFFERS_METHOD), "1", False, 3),
    Req(str(K.METHOD_EVIDENCE_AT_LEAST), "moderate", False, 2), Req(str(K.SERVES_COUNTY), "12", False, 4),
    Req(str(K.PRICE_PER_DAY_AT_MOST), "3500", False, 2), Req(str(K.CHECKS_CURRENT), "true", False, 1),
    Req(str(K.REVIEWED_WITHIN_DAYS), "365", False, 1), Req(str(K.REVIEW_OUTCOME_AT_LEAST), "deficiencies", False, 1),
]


def _flag(provider, severity, status=FlagStatus.OPEN, rule="review_overdue"):
    db.session.add(Flag(provider_id=provider.id, rule=rule, subject_key=f"s-{severity}-{status}",
                        severity=severity, status=status, message="m"))
    db.session.flush()


def test_snapshot_values(db_session):
    today = date.today()
    p = make_provider(kinds=["protected_housing", "hvb"], counties_served=["12", "13"], max_threat_level="high")
    make_licence(p, ends_on=today + timedelta(days=5))
    method = make_method(name="Kriminalitet som livsstil", short_name="KSL", evidence_level="strong")
    from vendor_registry.methods.models import ProviderMethod
    db.session.add(ProviderMethod(provider_id=p.id, method_id=method.id, trained_staff=1))
    make_review(p, performed_on=today - timedelta(days=400), outcome="satisfactory")
    make_review(p, performed_on=today - timedelta(days=20), outcome="deficiencies")
    make_contract(p, price_per_day=Decimal(3200))
    make_contract(p, price_per_day=Decimal(2800))
    make_contract(p, price_per_day=Decimal(1000), ends_on=today - timedelta(days=1))  # ended: ignored
    make_contract(p, price_per_day=Decimal(900), starts_on=today + timedelta(days=1))  # not started
    _flag(p, FlagSeverity.CRITICAL)
    _flag(p, FlagSeverity.HIGH, FlagStatus.ACKNOWLEDGED)
    _flag(p, FlagSeverity.CRITICAL, FlagStatus.RESOLVED, rule="licence_lapsed")
    (s,) = load_snapshots(db.session, today, [p.id])
    assert s.kinds == {"protected_housing", "hvb"} and s.counties_served == {"12", "13"}
    assert s.max_threat_level == "high"
    assert s.licences[0].status == "valid" and s.licences[0].ends_on == today + timedelta(days=5)
    assert [(m.name, m.short_name, m.evidence_level) for m in s.methods] == [("Kriminalitet som livsstil", "KSL", "strong")]
    assert s.latest_review_on == today - timedelta(days=20) and s.latest_review_outcome == "deficiencies"
    assert s.lowest_price == Decimal(2800)
    assert (s.open_flags, s.critical_flags) == (2, 1)


def test_checks_current_follows_the_policy_and_agrees_with_the_provider_pages(db_session):
    """Protected housing needs every default check; the latest of each type must be within its
    interval and not fail/error. Must agree with ``background_checks.queries.checks_current_map``."""
    from sqlalchemy import select, update

    from vendor_registry.background_checks.models import CheckPolicy
    from vendor_registry.background_checks.queries import checks_current_map

    today = date.today()
    now = datetime.now(UTC)
    needed = db.session.execute(select(CheckPolicy.check_type, CheckPolicy.interval_days).where(
        CheckPolicy.provider_kind == "protected_housing", CheckPolicy.required)).all()
    assert needed, "the seeded default policy should require checks for protected housing"
    first_type, first_interval = needed[0]

    def provider_with(first_check: dict | None):
        p = make_provider(kinds=["protected_housing"])
        for check_type, interval in needed:
            if check_type == first_type and first_check is None:
                continue
            extra = first_check if check_type == first_type else {}
            make_check(p, check_type=check_type, **{"performed_at": now - timedelta(days=interval - 1), **extra})
        return p

    db.session.execute(update(CheckPolicy).where(CheckPolicy.provider_kind == "other").values(required=False))
    cases = {
        "all recent": (provider_with({}), True),
        "one missing": (provider_with(None), False),
        "one too old": (provider_with({"performed_at": now - timedelta(days=first_interval + 1)}), False),
        "latest failed": (provider_with({"result": CheckOutcome.FAIL}), False),
        "latest error": (provider_with({"result": CheckOutcome.ERROR}), False),
        "latest concern": (provider_with({"result": CheckOutcome.CONCERN}), True),
        "nothing required": (make_provider(kinds=["other"]), True),
    }
    ids = [p.id for p, _expected in cases.values()]
    snapshots = {s.id: s.checks_current for s in load_snapshots(db.session, today, ids)}
    reference = checks_current_map(ids)
    for name, (provider, expected) in cases.items():
        assert snapshots[provider.id] is expected, name
        assert reference[provider.id] is expected, name
    assert CheckType(first_type)


def _count(statement_counter, reqs) -> tuple[int, int]:
    with statement_counter() as statements:
        result = match_requirements(reqs)
    return len(statements), len(result.included) + len(result.excluded)


def test_statement_count_does_not_grow_with_providers(db_session, statement_counter):
    bulk_providers(10, seed=3)
    small, n_small = _count(statement_counter, PROFILE)
    bulk_providers(990, seed=4)
    large, n_large = _count(statement_counter, PROFILE)
    assert n_large - n_small == 990
    assert small == large
    assert large <= 10
