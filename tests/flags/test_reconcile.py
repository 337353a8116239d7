"""Reconciliation: raise, refresh, escalate, resolve, dismiss, re-raise; idempotence; audit;
a fixed statement count whatever the number of providers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.factories import make_check, make_licence, make_provider
from tests.flags.conftest import TODAY, at_stockholm
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import CheckType, FlagRule, FlagStatus, LicenceStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag, FlagRuleState
from vendor_registry.flags.rules import all_rules, checks, licences, rules_by_job
from vendor_registry.providers.models import Provider

LAPSED = {FlagRule.LICENCE_LAPSED: licences.licence_lapsed}
FAILED = {FlagRule.CHECK_FAILED: checks.check_failed}


def _flags(provider, rule=None):
    q = select(Flag).where(Flag.provider_id == provider.id).order_by(Flag.id)
    if rule:
        q = q.where(Flag.rule == rule)
    return list(db.session.scalars(q).all())


def _snapshot():
    return [(f.provider_id, f.rule.value, f.subject_key, f.severity.value, f.status.value, f.message)
            for f in db.session.scalars(select(Flag).order_by(Flag.provider_id, Flag.rule, Flag.subject_key, Flag.id))]


def test_raise_refresh_resolve_and_audit(run_sweep):
    p = make_provider()
    lic = make_licence(p, status=LicenceStatus.REVOKED)
    counts = run_sweep(LAPSED)
    assert counts.raised >= 1
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert (flag.status, flag.severity.value, flag.subject_key) == (FlagStatus.OPEN, "critical", f"licence:{lic.id}")
    assert flag.message.startswith("Tillståndet för")
    raised_at = flag.raised_at

    later = at_stockholm(TODAY + timedelta(days=1), 4, 30)
    run_sweep(LAPSED, today=TODAY + timedelta(days=1), now=later)
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert flag.raised_at == raised_at and flag.last_seen == later and flag.version == 1
    # the sweep stamped its rule, not the flag's row (one write instead of one per live flag)
    assert flag.last_seen_at == raised_at

    lic.status = LicenceStatus.VALID
    db.session.commit()
    run_sweep(LAPSED, today=TODAY + timedelta(days=2), now=at_stockholm(TODAY + timedelta(days=2), 4, 30))
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert flag.status == FlagStatus.RESOLVED
    assert flag.resolution_note == "Villkoret gäller inte längre"
    assert flag.resolved_by_label == "job:licence_sweep" and flag.cleared_at is not None
    # a flag whose life ended keeps when it was last seen: at the sweep before the one that resolved it
    assert flag.last_seen_at == later and flag.last_seen == later

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "flags",
                                                         AuditEvent.entity_id == str(flag.id))
                                .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["insert", "update"]
    assert all(e.actor_kind == "job" and e.actor_label == "job:licence_sweep" for e in events)
    assert events[1].changes["status"] == ["open", "resolved"]


def test_escalation_reopens_acknowledged_flag(run_sweep):
    p = make_provider()
    make_check(p, check_type=CheckType.INSURANCE, result="concern", performed_at=at_stockholm(TODAY - timedelta(days=3)))
    run_sweep(FAILED, job="check_sweep")
    [flag] = _flags(p, FlagRule.CHECK_FAILED)
    assert flag.severity.value == "high"
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.announced = True
    db.session.commit()
    make_check(p, check_type=CheckType.INSURANCE, result="fail", performed_at=at_stockholm(TODAY - timedelta(days=1)))
    counts = run_sweep(FAILED, job="check_sweep")
    assert counts.escalated == 1 and counts.reopened == 1
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.CHECK_FAILED)
    assert (flag.status, flag.severity.value) == (FlagStatus.OPEN, "critical")
    assert flag.escalated_at is not None and flag.announced is False and flag.version == 3


def test_snooze_reopens_after_its_date(run_sweep):
    p = make_provider()
    make_licence(p, status=LicenceStatus.EXPIRED)
    run_sweep(LAPSED)
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.snoozed_until = TODAY + timedelta(days=2)
    db.session.commit()
    for offset, expected in ((1, FlagStatus.ACKNOWLEDGED), (2, FlagStatus.ACKNOWLEDGED), (3, FlagStatus.OPEN)):
        day = TODAY + timedelta(days=offset)
        run_sweep(LAPSED, today=day, now=at_stockholm(day, 4, 30))
        db.session.expire_all()
        assert _flags(p, FlagRule.LICENCE_LAPSED)[0].status == expected, offset
    assert _flags(p, FlagRule.LICENCE_LAPSED)[0].snoozed_until is None


def test_dismissed_stays_dismissed_then_can_be_raised_again(run_sweep):
    p = make_provider()
    lic = make_licence(p, status=LicenceStatus.REVOKED)
    run_sweep(LAPSED)
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    flag.status = FlagStatus.DISMISSED
    flag.resolution_note = "Kontrollerat med IVO, felaktig uppgift."
    db.session.commit()
    run_sweep(LAPSED, today=TODAY + timedelta(days=1), now=at_stockholm(TODAY + timedelta(days=1), 4))
    db.session.expire_all()
    assert [f.status for f in _flags(p, FlagRule.LICENCE_LAPSED)] == [FlagStatus.DISMISSED]

    lic.status = LicenceStatus.VALID
    db.session.commit()
    run_sweep(LAPSED, today=TODAY + timedelta(days=2), now=at_stockholm(TODAY + timedelta(days=2), 4))
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert flag.status == FlagStatus.DISMISSED and flag.cleared_at is not None

    lic.status = LicenceStatus.REVOKED
    db.session.commit()
    run_sweep(LAPSED, today=TODAY + timedelta(days=3), now=at_stockholm(TODAY + timedelta(days=3), 4))
    db.session.expire_all()
    assert [f.status for f in _flags(p, FlagRule.LICENCE_LAPSED)] == [FlagStatus.DISMISSED, FlagStatus.OPEN]


def test_first_run_marks_findings_announced_later_ones_not(run_sweep):
    p = make_provider()
    make_licence(p, status=LicenceStatus.REVOKED)
    run_sweep(LAPSED)
    assert _flags(p, FlagRule.LICENCE_LAPSED)[0].announced is True
    q = make_provider()
    make_licence(q, status=LicenceStatus.REVOKED)
    run_sweep(LAPSED)
    assert _flags(q, FlagRule.LICENCE_LAPSED)[0].announced is False


def test_same_sweep_twice_leaves_identical_table(run_sweep):
    for i in range(5):
        p = make_provider(kinds=["protected_housing", "hvb"])
        make_licence(p, status=LicenceStatus.REVOKED if i % 2 else LicenceStatus.VALID,
                     ends_on=TODAY + timedelta(days=10 * i), last_verified_at=None)
        make_check(p, check_type=CheckType.INSURANCE, result="fail")
    rules = all_rules()
    run_sweep(rules)
    first = _snapshot()
    assert first
    counts = run_sweep(rules)
    assert _snapshot() == first
    assert counts.raised == 0 and counts.resolved == 0


def _population(n):
    for i in range(n):
        p = make_provider(kinds=["protected_housing", "hvb"], approved_at=at_stockholm(TODAY - timedelta(days=200)))
        make_licence(p, status=LicenceStatus.REVOKED if i % 2 else LicenceStatus.VALID,
                     ends_on=TODAY + timedelta(days=(i % 10) * 9), last_verified_at=None if i % 5 else at_stockholm(TODAY))
        make_check(p, check_type=CheckType.INSURANCE, result=("fail", "concern", "pass", "pass", "fail")[i % 5])
        for d in range(3):
            make_check(p, check_type=CheckType.COMPANY_REGISTRY, automatic=True, result="error",
                       performed_at=at_stockholm(TODAY - timedelta(days=d)))
    db.session.commit()


def _count_sweep(run_sweep, statement_counter, today):
    with statement_counter() as statements:
        for rules in rules_by_job().values():
            run_sweep(rules, today=today, now=at_stockholm(today, 4, 30))
    return len(statements)


def test_statement_count_independent_of_provider_count(run_sweep, statement_counter):
    """First sweep (raise) and a later sweep (refresh + resolve) each cost the same number of
    statements for 10 providers as for 200."""
    _population(10)
    small = (_count_sweep(run_sweep, statement_counter, TODAY),
             _count_sweep(run_sweep, statement_counter, TODAY + timedelta(days=40)))
    for table in (Flag.__table__, FlagRuleState.__table__, Provider.__table__):
        db.session.execute(table.delete())
    db.session.commit()
    _population(200)
    large = (_count_sweep(run_sweep, statement_counter, TODAY),
             _count_sweep(run_sweep, statement_counter, TODAY + timedelta(days=40)))
    total = db.session.scalar(select(func.count()).select_from(Flag))
    assert total > 400
    assert small == large, (small, large)


def test_last_seen_is_the_later_of_the_flags_own_time_and_its_rules_last_sweep(app, run_sweep):
    """A sweep stamps its rule once instead of every live flag's row (issue 15); a scoped refresh
    (after a save) still writes the flags of its providers. The flag page and the API show the
    later of the two, and a flag whose life ended keeps its own."""
    from sqlalchemy import event

    from tests.factories import make_user
    from vendor_registry.audit.context import acting_as, user_actor
    from vendor_registry.flags import refresh

    p = make_provider()
    lic = make_licence(p, status=LicenceStatus.REVOKED)
    first = at_stockholm(TODAY, 4, 30)
    run_sweep(LAPSED, now=first)
    second = at_stockholm(TODAY + timedelta(days=1), 4, 30)
    updates: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE FLAGS"):
            updates.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        run_sweep(LAPSED, today=TODAY + timedelta(days=1), now=second)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert updates == []  # nothing about the flag changed: its row is not written
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert (flag.last_seen_at, flag.last_seen) == (first, second)
    assert db.session.get(FlagRuleState, FlagRule.LICENCE_LAPSED).last_swept_at == second

    later_that_day = at_stockholm(TODAY + timedelta(days=1), 14, 0)
    with acting_as(user_actor(make_user())):
        refresh.refresh_provider_flags(db.session, [p.id], rules=[FlagRule.LICENCE_LAPSED], settings=app.config,
                                       today=TODAY + timedelta(days=1), now=later_that_day)
    db.session.commit()
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert (flag.last_seen_at, flag.last_seen) == (later_that_day, later_that_day)

    third = at_stockholm(TODAY + timedelta(days=2), 4, 30)
    run_sweep(LAPSED, today=TODAY + timedelta(days=2), now=third)
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert flag.last_seen == third

    lic.status = LicenceStatus.VALID
    db.session.commit()
    run_sweep(LAPSED, today=TODAY + timedelta(days=3), now=at_stockholm(TODAY + timedelta(days=3), 4, 30))
    db.session.expire_all()
    [flag] = _flags(p, FlagRule.LICENCE_LAPSED)
    assert flag.status == FlagStatus.RESOLVED
    assert (flag.last_seen_at, flag.last_seen) == (third, third)  # seen last at the sweep before


def test_raise_events_written_by_the_database_are_those_python_would_write(app, db_session):
    """The audit events of raised flags come from one INSERT … SELECT (``record_raised_events``);
    they must be exactly what ``record_flag_events`` writes from Python: JSON escaping of
    quotes, backslashes, newlines and å ä ö, a shared flag's null organisation, the job actor."""
    from vendor_registry.audit.context import job_actor
    from vendor_registry.codes import FlagSeverity
    from vendor_registry.flags.reconcile import reconcile, record_flag_events
    from vendor_registry.flags.rules import Finding
    from vendor_registry.organisations.models import Organisation

    organisation_id = db.session.scalar(select(func.min(Organisation.id)))
    p, q = make_provider(), make_provider()
    message = 'Citat "så" \\ bakstreck\nny rad – åäö'
    findings = [Finding(p.id, FlagRule.CHECK_FAILED, "check:insurance", FlagSeverity.CRITICAL, message, {"a": 1}),
                Finding(q.id, FlagRule.CHECK_FAILED, "check:insurance", FlagSeverity.HIGH, "Eget", {}, organisation_id)]
    now = at_stockholm(TODAY, 4, 30)
    actor = job_actor("check_sweep")
    counts = reconcile(db.session, FlagRule.CHECK_FAILED, findings, now=now, today=TODAY, actor=actor)
    assert counts.raised == 2
    flags = _flags(p, FlagRule.CHECK_FAILED) + _flags(q, FlagRule.CHECK_FAILED)
    record_flag_events(db.session, actor, now, [
        ("insert", f.id, f.provider_id,
         {"rule": (None, f.rule), "subject_key": (None, f.subject_key), "severity": (None, f.severity),
          "status": (None, FlagStatus.OPEN), "message": (None, f.message), "organisation_id": (None, f.organisation_id)},
         f.organisation_id) for f in flags])
    db.session.flush()

    def events():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "flags",
                                                           AuditEvent.entity_id.in_([str(f.id) for f in flags]))
                                  .order_by(AuditEvent.id)).all()
        return [(e.occurred_at, e.actor_kind, e.actor_user_id, e.actor_label, e.actor_organisation_id,
                 e.organisation_id, e.action, e.entity_id, e.provider_id, e.changes, e.note) for e in rows]

    by_database, by_python = events()[:2], events()[2:]
    assert sorted(by_database, key=str) == sorted(by_python, key=str)
    assert {e[9]["message"][1] for e in by_database} == {message, "Eget"}
    assert {e[5] for e in by_database} == {None, organisation_id}
