"""SQLite for two processes, run requests taken up by the scheduler's poll, progress, and runs
refused because another run holds the job (recorded as skipped, exit code 0)."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from checks.base import CheckResult, CheckStatus
from tests.factories import DEFAULT_PASSWORD, make_provider, make_user
from tests.jobs.conftest import build_app
from tests.jobs.data import seed
from vendor_registry.background_checks.runner import run_due_checks
from vendor_registry.codes import CheckType, JobName, JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.jobs import leases, runs
from vendor_registry.jobs.models import JobRun


@pytest.fixture
def sqlite_app(tmp_path):
    app, url = build_app("sqlite", tmp_path, SQLITE_BUSY_TIMEOUT_MS=300, SQLITE_CACHE_MB=48)
    app.config["_file"] = url.removeprefix("sqlite:///")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _login(app, role="admin"):
    with app.app_context():
        user = make_user(role=role)
        email = user.email
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD}).status_code == 302
    return client


def _run(app, run_id) -> JobRun:
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        db.session.expunge_all()
        db.session.remove()
    return run


def test_sqlite_connections_use_wal_busy_timeout_cache_and_foreign_keys(sqlite_app):
    with sqlite_app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 300
        assert db.session.execute(text("PRAGMA cache_size")).scalar() == -48 * 1024  # KiB
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()


def test_pages_read_while_another_process_holds_the_write_lock(sqlite_app):
    client = _login(sqlite_app)
    other = sqlite3.connect(sqlite_app.config["_file"], isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE job_runs SET error = 'x' WHERE 1 = 0")
        assert client.get("/jobs/").status_code == 200  # WAL: a reader never waits for the writer
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_failed_request_leaves_the_session_clean_for_the_next(sqlite_app):
    client = _login(sqlite_app)
    other = sqlite3.connect(sqlite_app.config["_file"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writes longer than the busy timeout
    try:
        response = client.post("/jobs/contract_sweep/run")
        assert response.status_code == 503 and "Databasen kan inte nås" in response.get_data(as_text=True)
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The same worker's next requests work: no "cannot start a transaction within a transaction".
    for _ in range(3):
        assert client.get("/jobs/").status_code == 200
    assert client.post("/jobs/contract_sweep/run").status_code == 302
    with sqlite_app.app_context():
        assert db.session.scalars(select(JobRun.status)).all() == [JobRunStatus.REQUESTED]
        db.session.remove()


def test_poll_runs_requests_with_progress_and_history(job_app):
    seed(job_app, 4)
    client = _login(job_app, "supervisor")
    assert client.post("/jobs/licence_sweep/run").status_code == 302
    with job_app.app_context():
        run_id = db.session.scalar(select(JobRun.id))
        db.session.remove()
    assert _run(job_app, run_id).status == JobRunStatus.REQUESTED  # nothing ran in the request
    assert runs.run_requested(job_app) == [run_id]
    run = _run(job_app, run_id)
    assert run.status == JobRunStatus.SUCCEEDED and run.counts["raised"] > 0
    assert (run.progress_done, run.progress_total, run.progress_unit) == (5, 5, "rules")
    assert runs.run_requested(job_app) == []  # taken up once
    page = client.get("/jobs/").get_data(as_text=True)
    assert "5 av 5 regler klara" in page and "Lyckades" in page


def _hold_job(app, job: str, heartbeat_age: timedelta = timedelta(0)) -> None:
    with app.app_context():
        db.session.add(JobRun(job=job, run_key="held", trigger="scheduled", status=JobRunStatus.RUNNING,
                              started_at=utcnow() - heartbeat_age, heartbeat_at=utcnow() - heartbeat_age))
        db.session.commit()
        db.session.remove()


def test_run_refused_because_another_holds_the_job_is_skipped(job_app):
    _hold_job(job_app, "review_sweep")
    runner = job_app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "review_sweep"])
    assert result.exit_code == 0, result.output
    assert "review_sweep: skipped: another run of review_sweep is in progress; nothing was done." in result.output
    history = runner.invoke(args=["jobs", "history", "review_sweep"]).output
    assert "skipped" in history and "En annan körning av jobbet pågick" in history and "failed" not in history
    # A requested run meets the same: skipped, with its reason, not failed.
    with job_app.app_context():
        request, created = runs.request_run(JobName.REVIEW_SWEEP, "a@example.org")
        assert not created and request.run_key == "held"  # the page points at the run under way
        db.session.remove()


def test_a_stale_run_does_not_hold_its_job(job_app):
    _hold_job(job_app, "contract_sweep", heartbeat_age=timedelta(hours=2))
    run_id = runs.run_now(job_app, JobName.CONTRACT_SWEEP)
    assert _run(job_app, run_id).status == JobRunStatus.SUCCEEDED


def test_runs_left_running_by_a_stopped_process_are_abandoned(job_app):
    _hold_job(job_app, "digest", heartbeat_age=timedelta(hours=2))
    _hold_job(job_app, "check_sweep")  # still beating: left alone
    assert len(leases.reap(job_app)) == 1
    with job_app.app_context():
        states = dict(db.session.execute(select(JobRun.job, JobRun.status).where(JobRun.retry_of_id.is_(None))).all())
        error = db.session.scalar(select(JobRun.error).where(JobRun.job == "digest", JobRun.retry_of_id.is_(None)))
        db.session.remove()
    assert states == {"digest": JobRunStatus.ABANDONED, "check_sweep": JobRunStatus.RUNNING}
    assert "slutade svara" in error


def test_requested_run_is_skipped_when_the_job_is_taken_meanwhile(job_app):
    with job_app.app_context():
        request, _ = runs.request_run(JobName.CHECK_SWEEP, "a@example.org")
        db.session.commit()
        request_id = request.id
        db.session.remove()
    _hold_job(job_app, "check_sweep")
    assert runs.run_requested(job_app) == [request_id]
    run = _run(job_app, request_id)
    assert run.status == JobRunStatus.SKIPPED and "En annan körning" in run.error and run.finished_at


class _Checker:
    def check(self, subject):
        return CheckResult.make("company_registry", CheckStatus.PASS, "Registrerad.")


def test_run_due_checks_reports_providers_done_of_total(job_app):
    with job_app.app_context():
        for _ in range(3):
            make_provider(kinds=["outpatient"])
        db.session.commit()
        seen = []
        counts = run_due_checks(checkers={CheckType.COMPANY_REGISTRY: _Checker()},
                                progress=lambda done, total, unit, c: seen.append((done, total, unit, c["run"])))
        db.session.remove()
    total = seen[0][1]
    assert total >= 3 and seen[0] == (0, total, "providers", 0)
    assert [s[0] for s in seen] == list(range(total + 1)) and seen[-1][3] == counts["run"] == total
