"""The approval state machine (providers/approval.py): transitions, permissions, the override rule."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import make_provider, make_user
from tests.providers.factories import make_flag
from vendor_registry.audit.context import acting_as, user_actor
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import FlagSeverity, FlagStatus
from vendor_registry.codes import ProviderStatus as S
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.extensions import db
from vendor_registry.providers.models import ApprovalEvent
from vendor_registry.standing import approval
from vendor_registry.standing.approval import TransitionRefused, transition

FUTURE = date.today() + timedelta(days=90)

ALLOWED = [
    (S.DRAFT, "submit", S.UNDER_REVIEW, {}),
    (S.UNDER_REVIEW, "approve", S.APPROVED, {}),
    (S.UNDER_REVIEW, "approve_conditionally", S.CONDITIONALLY_APPROVED,
     {"conditions": "Ny brandskyddsbesiktning", "conditions_until": FUTURE}),
    (S.UNDER_REVIEW, "reject", S.REJECTED, {"reason": "Saknar tillstånd"}),
    (S.CONDITIONALLY_APPROVED, "approve", S.APPROVED, {}),
    (S.APPROVED, "suspend", S.SUSPENDED, {"reason": "Tillståndet återkallat"}),
    (S.CONDITIONALLY_APPROVED, "suspend", S.SUSPENDED, {"reason": "Villkor ej uppfyllda"}),
    (S.SUSPENDED, "reinstate", S.APPROVED, {"reason": "Nytt tillstånd beviljat"}),
    (S.REJECTED, "reopen", S.DRAFT, {}),
    (S.INACTIVE, "reopen", S.DRAFT, {}),
] + [(status, "deactivate", S.INACTIVE, {"reason": "Verksamheten har upphört"}) for status in S if status != S.INACTIVE]


@pytest.fixture
def supervisor(db_session):
    user = make_user(role="supervisor")
    with acting_as(user_actor(user)):
        yield user


@pytest.mark.parametrize("source, name, target, extra", ALLOWED)
def test_allowed_transitions_record_who_when_why(supervisor, source, name, target, extra):
    provider = make_provider(status=source, approved_at=None)
    before = provider.status_changed_at
    event = transition(provider, name, **extra)
    assert provider.status == target
    assert provider.status_changed_at >= before
    assert (event.from_status, event.to_status) == (source, target)
    assert event.actor_id == supervisor.id and event.actor_label == supervisor.email
    assert event.reason == extra.get("reason")
    stored = db.session.get(ApprovalEvent, event.id)
    assert stored is not None and stored.provider_id == provider.id
    audit = db.session.query(AuditEvent).filter_by(entity_type="approval_events", entity_id=str(event.id)).one()
    assert audit.actor_label == supervisor.email


def test_approved_at_set_when_entering_approval_only(supervisor):
    provider = make_provider(status=S.UNDER_REVIEW, approved_at=None)
    transition(provider, "approve_conditionally", conditions="Villkor", conditions_until=FUTURE)
    first = provider.approved_at
    assert first is not None and provider.conditions == "Villkor" and provider.conditions_until == FUTURE
    transition(provider, "approve")  # conditional → approved: not a new approval
    assert provider.approved_at == first and provider.conditions is None
    transition(provider, "suspend", reason="Brister")
    transition(provider, "reinstate", reason="Åtgärdat")
    assert provider.approved_at > first


@pytest.mark.parametrize("source, name", [
    (S.DRAFT, "approve"), (S.DRAFT, "reinstate"), (S.APPROVED, "submit"), (S.REJECTED, "approve"),
    (S.SUSPENDED, "suspend"), (S.INACTIVE, "deactivate"), (S.APPROVED, "reopen"), (S.UNDER_REVIEW, "reinstate"),
])
def test_invalid_transitions_are_refused_in_swedish(supervisor, source, name):
    provider = make_provider(status=source)
    with pytest.raises(TransitionRefused) as refused:
        transition(provider, name, reason="x", conditions="x", conditions_until=FUTURE)
    assert "kan inte ändras från" in str(refused.value.errors[""][0])
    assert provider.status == source
    assert db.session.query(ApprovalEvent).filter_by(provider_id=provider.id).count() == 0


def test_unknown_transition(supervisor):
    with pytest.raises(TransitionRefused):
        transition(make_provider(status=S.DRAFT), "promote")


@pytest.mark.parametrize("name, source", [("reject", S.UNDER_REVIEW), ("suspend", S.APPROVED),
                                          ("reinstate", S.SUSPENDED), ("deactivate", S.DRAFT)])
def test_reason_required(supervisor, name, source):
    provider = make_provider(status=source)
    with pytest.raises(TransitionRefused) as refused:
        transition(provider, name, reason="   ")
    assert "Ange ett skäl" in str(refused.value.errors["reason"][0])
    assert provider.status == source


def test_conditions_and_date_both_required(supervisor):
    provider = make_provider(status=S.UNDER_REVIEW)
    with pytest.raises(TransitionRefused) as refused:
        transition(provider, "approve_conditionally")
    assert set(refused.value.errors) == {"conditions", "conditions_until"}
    with pytest.raises(TransitionRefused) as refused:
        transition(provider, "approve_conditionally", conditions="x",
                   conditions_until=date.today() - timedelta(days=1))
    assert set(refused.value.errors) == {"conditions_until"}


@pytest.mark.parametrize("role, name, source", [
    ("procurement_officer", "approve", S.UNDER_REVIEW), ("admin", "approve", S.UNDER_REVIEW),
    ("social_worker", "approve", S.UNDER_REVIEW), ("procurement_officer", "suspend", S.APPROVED),
    ("social_worker", "submit", S.DRAFT),
])
def test_only_supervisors_decide(db_session, role, name, source):
    user = make_user(role=role)
    provider = make_provider(status=source)
    with acting_as(user_actor(user)), pytest.raises(TransitionRefused) as refused:
        transition(provider, name, reason="x")
    assert "behörighet" in str(refused.value.errors[""][0])
    assert provider.status == source


def test_procurement_officer_may_submit_and_reopen(db_session):
    officer = make_user(role="procurement_officer")
    provider = make_provider(status=S.DRAFT)
    with acting_as(user_actor(officer)):
        transition(provider, "submit")
    assert provider.status == S.UNDER_REVIEW
    assert approval.allowed_transitions(provider, officer) == []  # decisions are the supervisor's
    provider.status = S.REJECTED
    assert [t.name for t in approval.allowed_transitions(provider, officer)] == ["reopen"]
    with acting_as(user_actor(officer)):
        transition(provider, "reopen")
    assert provider.status == S.DRAFT


@pytest.mark.parametrize("name, source, extra", [
    ("approve", S.UNDER_REVIEW, {}),
    ("approve_conditionally", S.UNDER_REVIEW, {"conditions": "Villkor", "conditions_until": FUTURE}),
    ("reinstate", S.SUSPENDED, {"reason": "Åtgärdat"}),
])
@pytest.mark.parametrize("flag_status", [FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED])
def test_critical_flag_needs_override_justification(supervisor, name, source, extra, flag_status):
    provider = make_provider(status=source)
    make_flag(provider, severity=FlagSeverity.CRITICAL, status=flag_status)
    with pytest.raises(TransitionRefused) as refused:
        transition(provider, name, **extra)
    assert "kritisk avvikelse" in str(refused.value.errors["override_justification"][0])
    assert provider.status == source
    event = transition(provider, name, override_justification="Beslut i nämnden 2025-01-10", **extra)
    assert event.override_justification == "Beslut i nämnden 2025-01-10"
    audit = db.session.query(AuditEvent).filter_by(entity_type="approval_events", entity_id=str(event.id)).one()
    assert audit.changes["override_justification"][1] == "Beslut i nämnden 2025-01-10"


def test_resolved_or_non_critical_flags_need_no_override(supervisor):
    provider = make_provider(status=S.UNDER_REVIEW)
    make_flag(provider, severity=FlagSeverity.HIGH)
    make_flag(provider, severity=FlagSeverity.CRITICAL, status=FlagStatus.RESOLVED)
    event = transition(provider, "approve")
    assert event.override_justification is None and provider.status == S.APPROVED


def test_stale_version_is_refused(supervisor):
    provider = make_provider(status=S.UNDER_REVIEW)
    seen = provider.version
    provider.name = "Ändrat namn AB"
    db.session.flush()
    with pytest.raises(StaleRecordError):
        transition(provider, "approve", seen_version=seen)
