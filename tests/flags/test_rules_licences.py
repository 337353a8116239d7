"""Licence rules at their boundaries (the day before, on and after each date)."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_check, make_licence, make_provider
from tests.flags.conftest import TODAY, at_stockholm
from vendor_registry.codes import (
    CheckType,
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    ProviderStatus,
)
from vendor_registry.flags.rules import licences as rules


def test_licence_missing_by_kind_ownership_and_status(run_rule):
    approved = make_provider(kinds=["protected_housing"], ownership="private")
    under_review = make_provider(kinds=["hvb"], status=ProviderStatus.UNDER_REVIEW)
    public = make_provider(kinds=["protected_housing"], ownership="public")
    make_licence(public, form=LicenceForm.NOTIFICATION)
    private_with_notification = make_provider(kinds=["protected_housing"], ownership="private")
    make_licence(private_with_notification, form=LicenceForm.NOTIFICATION)
    covered = make_provider(kinds=["protected_housing", "supported_housing"])
    make_licence(covered)
    make_licence(covered, kind=LicenceKind.SUPPORTED_HOUSING)
    outpatient = make_provider(kinds=["outpatient"])
    found = run_rule(rules.licence_missing, providers=[approved, under_review, public, private_with_notification,
                                                       covered, outpatient])
    assert found == {
        (approved.id, "licence_kind:protected_housing"): "critical",
        (under_review.id, "licence_kind:hvb"): "high",
        (private_with_notification.id, "licence_kind:protected_housing"): "critical",
    }


def test_licence_missing_when_valid_licence_has_ended(run_rule):
    provider = make_provider(kinds=["hvb"])
    make_licence(provider, kind=LicenceKind.HVB, ends_on=TODAY - timedelta(days=1))
    assert run_rule(rules.licence_missing, providers=[provider]) == {(provider.id, "licence_kind:hvb"): "critical"}
    other = make_provider(kinds=["hvb"])
    make_licence(other, kind=LicenceKind.HVB, ends_on=TODAY)
    assert run_rule(rules.licence_missing, providers=[other]) == {}


def test_scope_excludes_draft_inactive_rejected(run_rule):
    providers = [make_provider(kinds=["hvb"], status=s) for s in
                 (ProviderStatus.DRAFT, ProviderStatus.INACTIVE, ProviderStatus.REJECTED)]
    suspended = make_provider(kinds=["hvb"], status=ProviderStatus.SUSPENDED)
    found = run_rule(rules.licence_missing, providers=providers + [suspended])
    assert found == {(suspended.id, "licence_kind:hvb"): "high"}


def test_licence_lapsed_status_and_end_date_boundary(run_rule):
    p = make_provider()
    revoked = make_licence(p, status=LicenceStatus.REVOKED)
    expired = make_licence(p, status=LicenceStatus.EXPIRED)
    ended_yesterday = make_licence(p, ends_on=TODAY - timedelta(days=1))
    ends_today = make_licence(p, ends_on=TODAY)
    appealed = make_licence(p, status=LicenceStatus.REVOCATION_APPEALED)
    found = run_rule(rules.licence_lapsed, providers=[p])
    assert found == {(p.id, f"licence:{lic.id}"): "critical" for lic in (revoked, expired, ended_yesterday)}
    assert (p.id, f"licence:{ends_today.id}") not in found and (p.id, f"licence:{appealed.id}") not in found


def test_licence_expiring_window(run_rule):
    p = make_provider()
    day59 = make_licence(p, ends_on=TODAY + timedelta(days=59))
    day60 = make_licence(p, ends_on=TODAY + timedelta(days=60))
    day61 = make_licence(p, ends_on=TODAY + timedelta(days=61))
    today = make_licence(p, ends_on=TODAY)
    yesterday = make_licence(p, ends_on=TODAY - timedelta(days=1))
    revoked = make_licence(p, ends_on=TODAY + timedelta(days=5), status=LicenceStatus.REVOKED)
    found = run_rule(rules.licence_expiring, providers=[p])
    assert set(found) == {(p.id, f"licence:{lic.id}") for lic in (day59, day60, today)}
    assert all(v == "medium" for v in found.values())
    assert not {(p.id, f"licence:{lic.id}") for lic in (day61, yesterday, revoked)} & set(found)
    assert set(run_rule(rules.licence_expiring, providers=[p], LICENCE_EXPIRING_DAYS=61)) >= {
        (p.id, f"licence:{day61.id}")}


def test_licence_unverified_stockholm_midnight(run_rule):
    p = make_provider()
    cutoff_day = TODAY - timedelta(days=30)
    never = make_licence(p, last_verified_at=None)
    # 00:30 in Stockholm on the cutoff day is still 23:30 UTC the day before: must count as in time.
    just_in = make_licence(p, last_verified_at=at_stockholm(cutoff_day, 0, 30))
    just_out = make_licence(p, last_verified_at=at_stockholm(cutoff_day - timedelta(days=1), 23, 59))
    recent = make_licence(p, last_verified_at=at_stockholm(TODAY, 8))
    lapsed = make_licence(p, last_verified_at=None, status=LicenceStatus.REVOKED)
    found = run_rule(rules.licence_unverified, providers=[p])
    assert set(found) == {(p.id, f"licence:{never.id}"), (p.id, f"licence:{just_out.id}")}
    assert (p.id, f"licence:{just_in.id}") not in found and (p.id, f"licence:{recent.id}") not in found
    assert (p.id, f"licence:{lapsed.id}") not in found


def test_licence_mismatch_uses_latest_definite_register_answer(run_rule):
    p = make_provider(kinds=["hvb"])
    lic = make_licence(p, kind=LicenceKind.HVB, status=LicenceStatus.VALID)
    other = make_licence(p, kind=LicenceKind.HVB, status=LicenceStatus.VALID)
    make_check(p, check_type=CheckType.IVO_REGISTER, automatic=True, result="pass",
               performed_at=at_stockholm(TODAY - timedelta(days=3)), details={"licences": {str(lic.id): "valid"}})
    make_check(p, check_type=CheckType.IVO_REGISTER, automatic=True, result="fail",
               performed_at=at_stockholm(TODAY - timedelta(days=2)),
               details={"licences": {str(lic.id): "revoked", str(other.id): "valid"}})
    # A later error says nothing: the disagreement stands.
    make_check(p, check_type=CheckType.IVO_REGISTER, automatic=True, result="error",
               performed_at=at_stockholm(TODAY - timedelta(days=1)), details={})
    assert run_rule(rules.licence_mismatch, providers=[p]) == {(p.id, f"licence:{lic.id}"): "critical"}
    make_check(p, check_type=CheckType.IVO_REGISTER, automatic=True, result="pass",
               performed_at=at_stockholm(TODAY), details={"licences": {str(lic.id): "valid"}})
    assert run_rule(rules.licence_mismatch, providers=[p]) == {}


def test_required_licences_table():
    assert rules.required_licences(["outpatient"], "private") == []
    assert rules.required_licences(["protected_housing"], "public")[0][1] == (
        LicenceForm.NOTIFICATION, LicenceForm.PERMIT)
