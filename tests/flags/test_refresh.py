"""Flags follow the facts at once: a write through the app runs the rules for that provider in
the same transaction (no sweep), only for that provider, with a fixed number of statements."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_check, make_licence, make_provider
from tests.organisations.test_rls import POSTGRESQL
from vendor_registry import clock
from vendor_registry.audit.context import acting_as, job_actor, user_actor
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags import refresh
from vendor_registry.flags.models import Flag
from vendor_registry.flags.rules import RuleContext, all_rules
from vendor_registry.jobs.sweeps import run_sweep


def _flags(provider, rule=None, live_only=True):
    db.session.expire_all()
    query = select(Flag).where(Flag.provider_id == provider.id).order_by(Flag.id)
    if rule is not None:
        query = query.where(Flag.rule == rule)
    flags = db.session.scalars(query).all()
    return [f for f in flags if f.status in (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)] if live_only else flags


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(tmp_path / "evidence"))
    return tmp_path / "evidence"


def test_ivo_extract_revocation_shows_in_queue_and_matching_on_next_load(client, as_role, db_session, evidence_dir):
    """The issue's example: no sweep runs, yet the queue and matching agree with the register."""
    provider = make_provider(org_number="5593000242", name="Havsbris Behandling AB", kinds=["hvb"])
    licence = make_licence(provider, kind="hvb", ivo_reference="3.5.1-08812/2020", status="valid",
                           last_verified_at=utcnow() - timedelta(days=3))
    db_session.commit()
    as_role("supervisor")
    before = client.get("/demand/match?run=1&counties=01").get_data(as_text=True)
    assert "Havsbris Behandling AB" in before.split("utförare matchar inte")[0]
    assert "Havsbris" not in client.get("/flags/").get_data(as_text=True)

    extract = ("Organisationsnummer;Huvudman;Verksamhetsform;Beslutsdatum;Status;Diarienummer\n"
               "5593000242;Havsbris Behandling AB;HVB för vuxna;2024-02-01;Återkallat;3.5.1-08812/2020\n").encode()
    html = client.post("/checks/ivo-extract", data={"file": (io.BytesIO(extract), "utdrag.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    form = {"key": _hidden(html, "key"), "sha256": _hidden(html, "sha256"), "filename": "utdrag.csv"}
    assert client.post("/checks/ivo-extract/apply", data=form).status_code == 302

    [lapsed] = _flags(provider, FlagRule.LICENCE_LAPSED)
    assert lapsed.severity is FlagSeverity.CRITICAL and lapsed.subject_key == f"licence:{licence.id}"
    queue = client.get("/flags/").get_data(as_text=True)
    assert "Havsbris Behandling AB" in queue and "Tillståndet för HVB har upphört" in queue
    after = client.get("/demand/match?run=1&counties=01").get_data(as_text=True)
    included, excluded = after.split("utförare matchar inte")
    assert "Havsbris Behandling AB" not in included
    assert "Havsbris Behandling AB" in excluded and "Har öppen kritisk avvikelse" in excluded


def test_recording_a_failed_check_raises_check_failed_at_once(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    user = as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/checks/new", data={
        "check_type": "insurance", "performed_on": clock.today().isoformat(), "result": "fail",
        "summary": "Försäkringen har sagts upp."})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    [flag] = _flags(provider, FlagRule.CHECK_FAILED)
    assert flag.severity is FlagSeverity.CRITICAL and flag.subject_key == "check:insurance"
    raised = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "flags", AuditEvent.entity_id == str(flag.id))).all()
    assert [(e.action, e.actor_user_id) for e in raised] == [("insert", user.id)]

    # A pass afterwards clears it in the same way.
    client.post(f"/providers/{provider.id}/checks/new", data={
        "check_type": "insurance", "performed_on": clock.today().isoformat(), "result": "pass",
        "summary": "Ny försäkring tecknad."})
    assert _flags(provider, FlagRule.CHECK_FAILED) == []


def test_adding_a_valid_licence_resolves_licence_missing_at_once(client, as_role, db_session):
    provider = make_provider(kinds=["protected_housing"])
    db_session.commit()
    with acting_as(job_actor("licence_sweep")):
        run_sweep("licence_sweep")
    [missing] = _flags(provider, FlagRule.LICENCE_MISSING)
    assert missing.severity is FlagSeverity.CRITICAL

    user = as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/licences/new", data={
        "kind": "protected_housing", "form": "permit", "status": "valid", "ivo_reference": "IVO 8.5-1/2025",
        "granted_on": "2025-01-10", "ends_on": "", "verified": "y", "verification_method": "certificate",
        "evidence": "Dnr 2025/1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert _flags(provider, FlagRule.LICENCE_MISSING) == []
    db.session.expire_all()
    resolved = db.session.get(Flag, missing.id)
    assert resolved.status is FlagStatus.RESOLVED and resolved.resolved_by_label == user.email
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "flags", AuditEvent.entity_id == str(missing.id), AuditEvent.action == "update"
    )).one()
    assert event.actor_user_id == user.id and event.changes["status"] == ["open", "resolved"]


def test_approving_a_provider_without_review_starts_nothing_wrong(client, as_role, db_session):
    """Approval escalates what already held (licence_missing high → critical) and raises no
    review_missing: the 90 days run from today."""
    provider = make_provider(status="under_review", kinds=["protected_housing", "hvb"])
    make_licence(provider, kind="protected_housing", status="valid", last_verified_at=utcnow())
    db_session.commit()
    with acting_as(job_actor("licence_sweep")):
        run_sweep("licence_sweep")
    [missing] = _flags(provider, FlagRule.LICENCE_MISSING)
    assert missing.severity is FlagSeverity.HIGH and missing.subject_key == "licence_kind:hvb"

    as_role("supervisor")
    response = client.post(f"/providers/{provider.id}/status/approve",
                           data={"reason": "Allt granskat.", "version": provider.version})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    [escalated] = _flags(provider, FlagRule.LICENCE_MISSING)
    assert escalated.id == missing.id and escalated.severity is FlagSeverity.CRITICAL
    assert _flags(provider, FlagRule.REVIEW_MISSING) == []
    assert _flags(provider, FlagRule.LICENCE_LAPSED) == []
    assert _flags(provider, FlagRule.LICENCE_UNVERIFIED) == []


def test_scoped_refresh_touches_only_its_providers(app, db_session):
    """A hand-made flag whose condition does not hold is resolved for the scoped provider only;
    the other provider's conditions are neither raised nor resolved."""
    scoped, other = make_provider(), make_provider()
    for p in (scoped, other):
        db.session.add(Flag(provider_id=p.id, rule=FlagRule.CHECK_FAILED, subject_key="check:insurance",
                            severity=FlagSeverity.CRITICAL, message="m"))
    make_licence(other, status="revoked")
    db_session.commit()
    counts = refresh.refresh_provider_flags(db.session, [scoped.id], settings=app.config)
    db_session.commit()
    assert counts.resolved >= 1
    assert _flags(scoped, FlagRule.CHECK_FAILED) == []
    assert [f.rule for f in _flags(other)] == [FlagRule.CHECK_FAILED]  # untouched, nothing raised


def test_every_rule_answers_for_its_scope_only(app, db_session):
    """Each rule, given a provider scope, finds that provider's conditions and no one else's."""
    a, b = _scene(2)
    today = clock.today() + timedelta(days=400)  # far enough for the time-based rules to hold too
    for p in (a, b):
        make_review_with_late_action(p, today)
    db.session.commit()
    for rule, compute in all_rules().items():
        everyone = {f.provider_id for f in compute(RuleContext(db.session, today, app.config))}
        scoped = {f.provider_id for f in compute(RuleContext(db.session, today, app.config, frozenset({a.id})))}
        assert {a.id, b.id} <= everyone, rule
        assert scoped == {a.id}, rule


def make_review_with_late_action(provider, today):
    from tests.factories import make_contract, make_method, make_review
    from vendor_registry.methods.models import ProviderMethod
    from vendor_registry.reviews.models import ReviewAction

    review = make_review(provider, performed_on=today - timedelta(days=700))
    db.session.add(ReviewAction(review_id=review.id, provider_id=provider.id, description="Rutin",
                                deadline=today - timedelta(days=10)))
    make_contract(provider, ends_on=today + timedelta(days=30))
    make_contract(provider, ends_on=today - timedelta(days=5))
    db.session.add(ProviderMethod(provider_id=provider.id, method_id=make_method().id,
                                  certification_ends_on=today - timedelta(days=1)))
    make_check(provider, check_type="company_registry", result="error", automatic=True)
    make_check(provider, check_type="company_registry", result="error", automatic=True)
    make_check(provider, check_type="company_registry", result="error", automatic=True)
    soon = make_licence(provider, kind="supported_housing", ends_on=today + timedelta(days=30))
    make_check(provider, check_type="ivo_register", result="fail", details={"licences": {str(soon.id): "revoked"}})
    db.session.flush()


def _scene(n: int) -> list:
    """``n`` providers, each with a lapsed licence, an old check and a failed one."""
    made = []
    for _ in range(n):
        p = make_provider(kinds=["protected_housing", "hvb"])
        make_licence(p, status="revoked")
        make_licence(p, kind="hvb", status="valid", ends_on=clock.today() + timedelta(days=20))
        make_check(p, check_type="insurance", result="fail", performed_at=utcnow())
        made.append(p)
    db.session.commit()
    return made


def test_refresh_statements_do_not_grow_with_providers(app, db_session, statement_counter):
    """One provider's refresh costs the same statements with 10 or 200 providers in the registry."""
    def measure(target) -> tuple[int, int]:
        with statement_counter() as statements:
            counts = refresh.refresh_provider_flags(db.session, [target.id], settings=app.config)
            db.session.flush()
        return len(statements), counts.raised

    _scene(9)
    [small_target] = _scene(1)
    small = measure(small_target)
    _scene(189)
    [large_target] = _scene(1)
    large = measure(large_target)
    assert small == large and small[1] >= 4
    raised = db.session.scalars(select(Flag.provider_id).distinct()).all()
    assert sorted(raised) == sorted([small_target.id, large_target.id])


def test_hook_runs_once_per_commit_and_never_inside_a_sweep(client, as_role, db_session, monkeypatch):
    calls: list[frozenset[int]] = []
    real = refresh.refresh_provider_flags

    def counting(session, ids, **kw):
        calls.append(frozenset(ids))
        return real(session, ids, **kw)

    monkeypatch.setattr(refresh, "refresh_provider_flags", counting)
    provider = make_provider()
    db_session.commit()
    assert calls == []  # fixtures (the anonymous system actor) are left to the sweeps
    as_role("procurement_officer")
    client.post(f"/providers/{provider.id}/checks/new", data={
        "check_type": "insurance", "performed_on": clock.today().isoformat(), "result": "concern",
        "summary": "Oklart."})
    assert calls == [frozenset({provider.id})]

    calls.clear()
    with acting_as(job_actor("check_sweep")):
        make_check(provider, check_type="staff_records", result="pass")  # a job's own write: refreshed
        run_sweep("check_sweep")
    assert calls == [frozenset({provider.id})]  # once, for the write; the sweep's rules did not re-trigger
    assert _flags(provider, FlagRule.CHECK_FAILED)[0].severity is FlagSeverity.HIGH


def test_rolled_back_write_refreshes_nothing(app, db_session, monkeypatch):
    calls = []
    monkeypatch.setattr(refresh, "refresh_provider_flags", lambda *a, **kw: calls.append(a))
    provider = make_provider()
    db_session.commit()
    from tests.factories import make_user
    user = make_user()
    db_session.commit()
    with acting_as(user_actor(user)):
        make_check(provider, result="fail")
        db.session.rollback()
        db.session.commit()
    assert calls == []


def _write_contract(p, today):
    from tests.factories import make_contract
    make_contract(p, ends_on=today + timedelta(days=10))


def _write_method(p, today):
    from tests.factories import make_method
    from vendor_registry.methods.models import ProviderMethod
    db.session.add(ProviderMethod(provider_id=p.id, method_id=make_method().id,
                                  certification_ends_on=today - timedelta(days=1)))


def _write_old_review(p, today):
    from tests.factories import make_review
    make_review(p, performed_on=today - timedelta(days=400))


def _write_kinds(p, today):
    p.kinds = ["protected_housing", "hvb"]  # HVB needs a permit the provider does not hold


@pytest.mark.parametrize(("write", "rule", "subject"), [
    (_write_contract, FlagRule.CONTRACT_EXPIRING, "contract:"),
    (_write_method, FlagRule.CERTIFICATION_EXPIRED, "method:"),
    (_write_old_review, FlagRule.REVIEW_OVERDUE, "provider"),
    (_write_kinds, FlagRule.LICENCE_MISSING, "licence_kind:hvb"),
])
def test_each_kind_of_write_refreshes_its_rules(app, db_session, write, rule, subject):
    from tests.factories import make_user
    provider = make_provider()
    make_licence(provider)
    user = make_user()
    db_session.commit()
    with acting_as(user_actor(user)):
        write(provider, clock.today())
        db.session.commit()
    flags = _flags(provider, rule)
    assert len(flags) == 1 and flags[0].subject_key.startswith(subject), [f.rule for f in _flags(provider)]


def _overdue_action_flagged(db_session):
    """A review with an action two days past its deadline, flagged by the review sweep."""
    from tests.factories import make_review, make_user
    from vendor_registry.reviews.models import ReviewAction
    provider = make_provider()
    review = make_review(provider)
    action = ReviewAction(review_id=review.id, provider_id=provider.id, description="Rutin",
                          deadline=clock.today() - timedelta(days=2))
    db.session.add(action)
    user = make_user()
    db_session.commit()
    with acting_as(job_actor("review_sweep")):
        run_sweep("review_sweep")
    assert len(_flags(provider, FlagRule.REVIEW_ACTIONS_OVERDUE)) == 1
    return provider, review, action, user


def test_a_review_action_completed_resolves_its_flag_at_once(app, db_session):
    """Deadline passed → flagged by the sweep; completing the action clears it at commit."""
    provider, _review, action, user = _overdue_action_flagged(db_session)
    with acting_as(user_actor(user)):
        action.completed_on = clock.today()
        db.session.commit()
    assert _flags(provider, FlagRule.REVIEW_ACTIONS_OVERDUE) == []


def test_a_review_action_taken_off_its_review_resolves_its_flag_at_once(app, db_session):
    """Removed from the review's actions (the review form's "delete" box), the action is deleted
    by the flush's orphan cascade, not ``session.delete``: its flag still goes at commit."""
    provider, review, action, user = _overdue_action_flagged(db_session)
    with acting_as(user_actor(user)):
        review.actions.remove(action)
        db.session.commit()
    assert _flags(provider, FlagRule.REVIEW_ACTIONS_OVERDUE) == []


def test_a_failing_rule_costs_nobody_their_write(client, as_role, db_session, monkeypatch, caplog):
    """The refresh runs in a savepoint: the check is recorded, the error logged, flags untouched."""
    from vendor_registry.background_checks.models import BackgroundCheck
    from vendor_registry.flags.rules import checks

    def broken(ctx):
        raise RuntimeError("regeln gick sönder")

    monkeypatch.setattr(checks, "check_failed", broken)
    monkeypatch.setattr(refresh.log, "disabled", False)  # Alembic's fileConfig in the app fixture disables it
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/checks/new", data={
        "check_type": "insurance", "performed_on": clock.today().isoformat(), "result": "fail",
        "summary": "Försäkringen har sagts upp."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.provider_id == provider.id)).all()
    assert _flags(provider) == []
    assert "flags not refreshed" in caplog.text and "regeln gick sönder" in caplog.text


def test_many_touched_providers_are_refreshed_in_batches(app, db_session, monkeypatch):
    monkeypatch.setattr(refresh, "SCOPE_BATCH", 2)
    touched = _scene(5)
    untouched = _scene(1)
    counts = refresh.refresh_provider_flags(db.session, [p.id for p in touched], settings=app.config,
                                            rules=[FlagRule.LICENCE_LAPSED])
    db.session.commit()
    assert counts.raised == 5
    assert all(len(_flags(p, FlagRule.LICENCE_LAPSED)) == 1 for p in touched)
    assert _flags(untouched[0]) == []


def test_a_refresh_of_many_providers_tells_postgresql_what_the_transaction_holds(app, db_session, monkeypatch):
    """Over SCOPE_BATCH providers (demo data, a bulk import), PostgreSQL's statistics predate
    the transaction's rows: one ANALYZE first, inside the transaction, whose rows stay its own."""
    from sqlalchemy import event

    monkeypatch.setattr(refresh, "SCOPE_BATCH", 2)
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement.strip().upper())

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        refresh.refresh_provider_flags(db.session, [p.id for p in _scene(2)], settings=app.config,
                                       rules=[FlagRule.LICENCE_LAPSED])
        small = seen.count("ANALYZE")
        touched = _scene(3)
        counts = refresh.refresh_provider_flags(db.session, [p.id for p in touched], settings=app.config,
                                                rules=[FlagRule.LICENCE_LAPSED])
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert small == 0
    assert seen.count("ANALYZE") == (1 if db.engine.dialect.name == "postgresql" else 0)
    assert counts.raised == 3
    db.session.rollback()
    assert all(_flags(p) == [] for p in touched)  # nothing of the rolled-back transaction stayed


@pytest.mark.parametrize("app", POSTGRESQL, indirect=True)
def test_the_statistics_are_gathered_by_the_owner_and_the_app_role_comes_back(app, db_session, monkeypatch):
    """Only the tables' owner may ANALYZE. The app runs as DATABASE_ROLE, which owns nothing, so
    PostgreSQL skipped every table with a warning and the judgement ran on plans made without
    statistics (137 s for the 20,000-provider demo). The ANALYZE runs as the login, and the
    app's role, which row-level security binds, is back before the rules run."""
    from sqlalchemy import text

    monkeypatch.setattr(refresh, "SCOPE_BATCH", 2)
    role_before = db.session.execute(text("SELECT current_user")).scalar()
    assert role_before != db.session.execute(text("SELECT session_user")).scalar()  # the suite's DATABASE_ROLE
    notices: list[str] = []
    driver = db.session.connection().connection.driver_connection
    driver.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary or ""))
    try:
        counts = refresh.refresh_provider_flags(db.session, [p.id for p in _scene(3)], settings=app.config,
                                                rules=[FlagRule.LICENCE_LAPSED])
        role_after = db.session.execute(text("SELECT current_user")).scalar()
    finally:
        driver.remove_notice_handler(driver._notice_handlers[-1])
    assert counts.raised == 3
    assert [notice for notice in notices if "analyze" in notice.lower()] == []
    assert role_after == role_before
    db.session.rollback()
    assert db.session.execute(text("SELECT current_user")).scalar() == role_before
