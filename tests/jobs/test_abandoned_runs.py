"""Runs whose process was killed (issue 17, item 5): abandoned after their lease, run again once.

Each test writes the row a killed process leaves behind (``running``, its heartbeat long
past) in a real database, then calls what the restarted scheduler calls. The end-to-end
version with a real ``flask scheduler`` killed by SIGKILL is test_scheduler_killed.py.
"""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.jobs.conftest import admin_client, build_app
from tests.jobs.data import seed
from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.jobs import leases, runs
from vendor_registry.jobs.models import JobRun
from vendor_registry.jobs.registry import build_jobs
from vendor_registry.jobs.scheduler import _poll, build_scheduler


def _runs(app, job: str) -> list[JobRun]:
    with app.app_context():
        found = db.session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return list(found)


def _left_running(app, job: str, run_key: str, age: timedelta = timedelta(hours=2), **extra) -> int:
    """The row a process killed in the middle of ``job`` leaves: running, silent for ``age``."""
    with app.app_context():
        run = JobRun(job=job, run_key=run_key, trigger="scheduled", status=JobRunStatus.RUNNING,
                     started_at=utcnow() - age, heartbeat_at=utcnow() - age, progress_done=1, progress_total=5,
                     progress_unit="rules", **extra)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        db.session.remove()
    return run_id


def _tonight(app, job: JobName) -> str:
    return runs.scheduled_run_key(build_jobs(app.config)[job].previous_fire_time(datetime.now(UTC)))


def test_catch_up_after_a_killed_sweep_runs_the_night_again(job_app):
    """The defect: the killed run kept the night's claim, so catch-up ran nothing for it."""
    seed(job_app, 3)
    key = _tonight(job_app, JobName.LICENCE_SWEEP)
    killed = _left_running(job_app, "licence_sweep", key)
    ran = runs.catch_up(job_app)
    assert "licence_sweep" in ran
    old, retry = _runs(job_app, "licence_sweep")
    assert old.id == killed and old.status == JobRunStatus.ABANDONED and old.finished_at is not None
    assert "slutade svara" in old.error and "körs om en gång" in old.error
    assert (retry.run_key, retry.trigger, retry.retry_of_id) == (f"{key}:retry", "retry", killed)
    assert retry.status == JobRunStatus.SUCCEEDED and retry.counts["raised"] > 0
    # Once: a second start finds the night done.
    assert runs.catch_up(job_app) == []
    assert len(_runs(job_app, "licence_sweep")) == 2


def test_a_run_within_its_lease_is_left_alone(job_app):
    key = _tonight(job_app, JobName.CONTRACT_SWEEP)
    _left_running(job_app, "contract_sweep", key, age=timedelta(seconds=5))
    assert leases.reap(job_app) == []
    assert "contract_sweep" not in runs.catch_up(job_app)
    [run] = _runs(job_app, "contract_sweep")
    assert run.status == JobRunStatus.RUNNING


def test_the_poll_abandons_an_expired_run_and_runs_its_retry_once(job_app):
    """A restart inside the lease finds the killed run still looking alive; the poll takes it
    over once the lease has run out (and only once, however often it looks)."""
    killed = _left_running(job_app, "review_sweep", "2026-11-30")
    _poll(job_app)
    _poll(job_app)
    old, retry = _runs(job_app, "review_sweep")
    assert old.id == killed and old.status == JobRunStatus.ABANDONED
    assert retry.retry_of_id == killed and retry.status == JobRunStatus.SUCCEEDED
    assert leases.reap(job_app) == [] and runs.run_requested(job_app) == []


def test_a_retry_abandoned_too_is_not_retried_and_the_page_says_so(job_app):
    first = _left_running(job_app, "check_sweep", "2026-11-30", age=timedelta(hours=3))
    assert leases.reap(job_app) == [first]
    [_old, retry] = _runs(job_app, "check_sweep")
    with job_app.app_context():  # the retry started, and its process was killed as well
        db.session.get(JobRun, retry.id).status = JobRunStatus.RUNNING
        db.session.get(JobRun, retry.id).heartbeat_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        db.session.remove()
    assert leases.reap(job_app) == [retry.id]
    assert leases.reap(job_app) == []
    assert runs.execute(job_app, JobName.CHECK_SWEEP, run_key="2026-11-30", trigger="catch_up") is None
    states = [(r.id, r.status) for r in _runs(job_app, "check_sweep")]
    assert states == [(first, JobRunStatus.ABANDONED), (retry.id, JobRunStatus.ABANDONED)]
    again = _runs(job_app, "check_sweep")[1]
    assert "körs inte om automatiskt" in again.error and "Kör nu" in again.error

    client = admin_client(job_app)
    page = client.get("/jobs/").get_data(as_text=True)
    section = page[page.index('id="job-check_sweep"'):page.index('id="job-review_sweep"')]
    assert "Avbruten – körs om" in section and "Avbruten igen – körs inte om automatiskt" in section
    assert "omkörning" in section
    [state] = client.get(f"/jobs/runs/status?ids={retry.id}").get_json()["runs"]
    assert state["status"] == "abandoned" and not state["active"] and state["badge"] == "text-bg-danger"


def test_the_heartbeat_keeps_a_long_run_alive_and_stops_with_it(tmp_path):
    app, _url = build_app("sqlite", tmp_path, JOB_HEARTBEAT_SECONDS=0.1, JOB_LEASE_SECONDS=0.6)
    run_id = _left_running(app, "digest", "2026-11-30", age=timedelta(0))
    started = utcnow()
    try:
        with app.app_context(), leases.heartbeat(app, run_id):
            time.sleep(1.5)  # well past the lease
            # This process never takes over its own run, even from another thread (its poll).
            found: list[list[int]] = []
            other = threading.Thread(target=lambda: found.append(leases.reap(app)))
            other.start()
            other.join()
            assert found == [[]]
        [run] = _runs(app, "digest")
        assert run.status == JobRunStatus.RUNNING and run.heartbeat_at - started >= timedelta(seconds=0.9)
        time.sleep(0.8)  # after the block no beat: the run now looks like a killed one
        assert leases.reap(app) == [run_id]
        [abandoned, _retry] = _runs(app, "digest")
        assert abandoned.status == JobRunStatus.ABANDONED
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_late_finish_does_not_overwrite_the_abandoned_status(job_app):
    """A process that was only frozen (not killed) past its lease finds its run taken over:
    its outcome is not written over ``abandoned``, since the retry is the night's run now."""
    killed = _left_running(job_app, "contract_sweep", "2026-11-30")
    assert leases.reap(job_app) == [killed]
    with job_app.app_context():
        runs._finish(killed, JobRunStatus.SUCCEEDED, {"raised": 1}, None)
        db.session.remove()
    assert _runs(job_app, "contract_sweep")[0].status == JobRunStatus.ABANDONED


def test_the_lease_must_outlast_two_heartbeats(job_app):
    with pytest.raises(leases.LeaseConfigError, match="JOB_LEASE_SECONDS"):
        leases.validate({"JOB_HEARTBEAT_SECONDS": 30, "JOB_LEASE_SECONDS": 45})
    leases.validate({"JOB_HEARTBEAT_SECONDS": 30, "JOB_LEASE_SECONDS": 90})
    job_app.config["JOB_LEASE_SECONDS"] = 10.0
    with pytest.raises(leases.LeaseConfigError):
        build_scheduler(job_app)
