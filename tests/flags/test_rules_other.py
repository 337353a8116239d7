"""Check, review, certification and contract rules at their boundaries."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.factories import (
    make_check,
    make_contract,
    make_method,
    make_provider,
    make_review,
)
from tests.flags.conftest import TODAY, at_stockholm
from vendor_registry.background_checks.models import CheckPolicy
from vendor_registry.codes import CheckType, ProviderStatus
from vendor_registry.extensions import db
from vendor_registry.flags.rules import checks, contracts, reviews
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.reviews.models import ReviewAction

TAX = CheckType.TAX_REGISTRATION  # 180 days in the seeded policy


def _only(found, subject):
    return {k: v for k, v in found.items() if k[1] == subject}


def test_check_overdue_interval_boundary_in_stockholm(run_rule):
    interval = db.session.scalar(
        db.select(CheckPolicy.interval_days).where(CheckPolicy.provider_kind == "protected_housing",
                                                   CheckPolicy.check_type == TAX))
    assert interval
    cutoff = TODAY - timedelta(days=interval)
    in_time = make_provider()
    make_check(in_time, check_type=TAX, performed_at=at_stockholm(cutoff, 0, 15))  # 23:15 UTC the day before
    late = make_provider()
    make_check(late, check_type=TAX, performed_at=at_stockholm(cutoff - timedelta(days=1), 23, 45))
    errored = make_provider()
    make_check(errored, check_type=TAX, result="error", performed_at=at_stockholm(TODAY))
    never = make_provider()
    found = _only(run_rule(checks.check_overdue, providers=[in_time, late, errored, never]), "check:tax_registration")
    assert found == {(late.id, "check:tax_registration"): "high", (errored.id, "check:tax_registration"): "high",
                     (never.id, "check:tax_registration"): "high"}


def test_check_overdue_follows_policy_table(run_rule):
    p = make_provider(kinds=["outpatient"])
    db.session.execute(update(CheckPolicy).where(CheckPolicy.provider_kind == "outpatient")
                       .values(required=False))
    assert run_rule(checks.check_overdue, providers=[p]) == {}


def test_check_failed_latest_answer(run_rule):
    failing = make_provider()
    make_check(failing, check_type=TAX, result="pass", performed_at=at_stockholm(TODAY - timedelta(days=5)))
    make_check(failing, check_type=TAX, result="fail", performed_at=at_stockholm(TODAY - timedelta(days=4)))
    make_check(failing, check_type=TAX, result="error", performed_at=at_stockholm(TODAY - timedelta(days=1)))
    concern = make_provider()
    make_check(concern, check_type=CheckType.INSURANCE, result="concern")
    recovered = make_provider()
    make_check(recovered, check_type=TAX, result="fail", performed_at=at_stockholm(TODAY - timedelta(days=4)))
    make_check(recovered, check_type=TAX, result="pass", performed_at=at_stockholm(TODAY - timedelta(days=3)))
    found = run_rule(checks.check_failed, providers=[failing, concern, recovered])
    assert found == {(failing.id, "check:tax_registration"): "critical", (concern.id, "check:insurance"): "high"}


def test_check_error_needs_three_automatic_errors_in_a_row(run_rule):
    three = make_provider()
    two = make_provider()
    broken = make_provider()
    for i in range(3):
        make_check(three, check_type=CheckType.COMPANY_REGISTRY, automatic=True, result="error",
                   performed_at=at_stockholm(TODAY - timedelta(days=i)))
    for i in range(2):
        make_check(two, check_type=CheckType.COMPANY_REGISTRY, automatic=True, result="error",
                   performed_at=at_stockholm(TODAY - timedelta(days=i)))
    make_check(broken, check_type=CheckType.COMPANY_REGISTRY, automatic=True, result="pass",
               performed_at=at_stockholm(TODAY - timedelta(days=1)))
    for i in (0, 2, 3):
        make_check(broken, check_type=CheckType.COMPANY_REGISTRY, automatic=True, result="error",
                   performed_at=at_stockholm(TODAY - timedelta(days=i)))
    found = run_rule(checks.check_error, providers=[three, two, broken])
    assert found == {(three.id, "check:company_registry"): "medium"}


def test_review_missing_90_days_after_approval(run_rule):
    day90 = make_provider(approved_at=at_stockholm(TODAY - timedelta(days=90), 0, 10))
    day91 = make_provider(approved_at=at_stockholm(TODAY - timedelta(days=91), 23, 50))
    reviewed = make_provider(approved_at=at_stockholm(TODAY - timedelta(days=200)))
    make_review(reviewed, performed_on=TODAY - timedelta(days=150))
    reviewed_before = make_provider(approved_at=at_stockholm(TODAY - timedelta(days=200)))
    make_review(reviewed_before, performed_on=TODAY - timedelta(days=250))
    under_review = make_provider(status=ProviderStatus.UNDER_REVIEW, approved_at=at_stockholm(TODAY - timedelta(days=300)))
    found = run_rule(reviews.review_missing, providers=[day90, day91, reviewed, reviewed_before, under_review])
    assert found == {(day91.id, "provider"): "high", (reviewed_before.id, "provider"): "high"}


def test_review_overdue_and_actions(run_rule):
    old = make_provider()
    make_review(old, performed_on=TODAY - timedelta(days=366))
    exact = make_provider()
    make_review(exact, performed_on=TODAY - timedelta(days=365))
    found = run_rule(reviews.review_overdue, providers=[old, exact])
    assert found == {(old.id, "provider"): "high"}

    review = make_review(exact, performed_on=TODAY - timedelta(days=20))
    late = ReviewAction(review_id=review.id, provider_id=exact.id, description="Rutin", deadline=TODAY - timedelta(days=1))
    due_today = ReviewAction(review_id=review.id, provider_id=exact.id, description="Rutin 2", deadline=TODAY)
    done = ReviewAction(review_id=review.id, provider_id=exact.id, description="Rutin 3",
                        deadline=TODAY - timedelta(days=5), completed_on=TODAY - timedelta(days=6))
    db.session.add_all([late, due_today, done])
    db.session.flush()
    assert run_rule(reviews.review_actions_overdue, providers=[exact]) == {(exact.id, f"review_action:{late.id}"): "high"}


def test_certification_and_contracts(run_rule):
    p = make_provider(approved_at=at_stockholm(TODAY - timedelta(days=400)))
    m1, m2 = make_method(), make_method()
    db.session.add_all([
        ProviderMethod(provider_id=p.id, method_id=m1.id, certification_ends_on=TODAY - timedelta(days=1)),
        ProviderMethod(provider_id=p.id, method_id=m2.id, certification_ends_on=TODAY),
    ])
    db.session.flush()
    assert run_rule(contracts.certification_expired, providers=[p]) == {(p.id, f"method:{m1.id}"): "medium"}

    c89 = make_contract(p, ends_on=TODAY + timedelta(days=89))
    c90 = make_contract(p, ends_on=TODAY + timedelta(days=90))
    c91 = make_contract(p, ends_on=TODAY + timedelta(days=91))
    c_today = make_contract(p, ends_on=TODAY)
    ended = make_contract(p, ends_on=TODAY - timedelta(days=1))
    before_approval = make_contract(p, starts_on=TODAY - timedelta(days=900), ends_on=TODAY - timedelta(days=500))
    found = run_rule(contracts.contract_expiring, providers=[p])
    assert set(found) == {(p.id, f"contract:{c.id}") for c in (c89, c90, c_today)}
    assert (p.id, f"contract:{c91.id}") not in found
    assert run_rule(contracts.contract_expired, providers=[p]) == {(p.id, f"contract:{ended.id}"): "medium"}
    assert (p.id, f"contract:{before_approval.id}") not in run_rule(contracts.contract_expired, providers=[p])
    suspended = make_provider(status=ProviderStatus.SUSPENDED)
    make_contract(suspended, ends_on=TODAY - timedelta(days=1))
    assert run_rule(contracts.contract_expired, providers=[suspended]) == {}
