"""The real scheduler process killed with SIGKILL in the middle of a night's sweep (issue 17, item 5).

The first ``flask scheduler`` (through tests/jobs/slow_scheduler.py, which only makes each
sweep pause between its batches) catches up the night and is killed while licence_sweep is
running. Until then its heartbeat keeps the run alive: another process looking for abandoned
runs leaves it alone even after the lease has passed. A second, unmodified ``flask scheduler``
is then started at once (as a service manager would): once the lease has run out, the killed
run must be ``abandoned`` and the same night's licence_sweep run again, once, to ``succeeded``;
the jobs page shows the abandoned run as "Avbruten – körs om". SQLite file and PostgreSQL.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import BACKENDS, drop_database
from tests.jobs.conftest import admin_client, build_app
from tests.jobs.data import seed
from vendor_registry.codes import JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.jobs import leases
from vendor_registry.jobs.models import JobRun

ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT, LEASE = 0.2, 2.0
DEADLINE_SECONDS = 90


@pytest.fixture(params=BACKENDS)
def night(request, tmp_path):
    app, url = build_app(request.param, tmp_path, JOB_HEARTBEAT_SECONDS=HEARTBEAT, JOB_LEASE_SECONDS=LEASE)
    seed(app, 4)
    yield app, url
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


def _env(app, tmp_path, **extra) -> dict[str, str]:
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "INSTANCE_PATH": str(tmp_path / "scheduler-instance"), "JOB_REQUEST_POLL_SECONDS": "0.2",
           "JOB_HEARTBEAT_SECONDS": str(HEARTBEAT), "JOB_LEASE_SECONDS": str(LEASE),
           "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}
    for key in ("IVO_REGISTER_URL", "BOLAGSVERKET_API_URL", "MAIL_SERVER", "SWEEP_HOUR", "DIGEST_HOUR"):
        env.pop(key, None)
    return env


def _licence_runs(app) -> list[JobRun]:
    with app.app_context():
        found = db.session.scalars(select(JobRun).where(JobRun.job == "licence_sweep").order_by(JobRun.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return list(found)


def _wait_for(condition, process: subprocess.Popen, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process.poll() is not None:
            pytest.fail(f"the scheduler stopped while waiting for {what}:\n{process.communicate()[0]}")
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"no {what} in {DEADLINE_SECONDS} s:\n{process.communicate()[0]}")


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        return process.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def test_a_killed_sweep_is_abandoned_and_its_night_runs_again_once(night, tmp_path):
    app, _url = night
    first = subprocess.Popen([sys.executable, str(ROOT / "tests/jobs/slow_scheduler.py")], cwd=ROOT,
                             env=_env(app, tmp_path, SLOW_BETWEEN_BATCHES="120", SLOW_IN_TRANSACTION="0",
                                      SLOW_UNITS="rules"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def running():
            found = [r for r in _licence_runs(app) if r.status == JobRunStatus.RUNNING]
            return found[0] if found else None

        started = _wait_for(running, first, "running licence_sweep")
        # Alive past its lease: the heartbeat keeps it, so another process does not take it over.
        time.sleep(2 * LEASE)
        assert leases.reap(app) == []
        [alive] = _licence_runs(app)
        assert alive.status == JobRunStatus.RUNNING and alive.heartbeat_at > utcnow() - timedelta(seconds=LEASE)
        assert alive.heartbeat_at - started.started_at >= timedelta(seconds=LEASE)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        output = _stop(first)
    assert first.returncode == -signal.SIGKILL, output
    [killed] = _licence_runs(app)
    assert killed.status == JobRunStatus.RUNNING and killed.trigger == "catch_up"
    assert killed.progress_done == 0 and killed.progress_total == 5  # killed half-way, before its first rule

    second = subprocess.Popen([sys.executable, "-m", "flask", "--app", "vendor_registry", "scheduler"], cwd=ROOT,
                              env=_env(app, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def retried():
            found = _licence_runs(app)
            done = [r for r in found if r.status not in (JobRunStatus.RUNNING, JobRunStatus.REQUESTED)]
            return found if len(found) >= 2 and len(done) == len(found) else None

        after = _wait_for(retried, second, "abandoned run and finished retry")
        time.sleep(5 * 0.2)  # a few more polls: nothing else may run the night again
        assert second.poll() is None
        final = _licence_runs(app)
    finally:
        output = _stop(second)

    assert len(final) == len(after) == 2, (final, output)
    old, retry = final
    assert old.id == killed.id and old.status == JobRunStatus.ABANDONED, output
    assert old.finished_at is not None and "slutade svara" in old.error
    assert retry.retry_of_id == old.id and retry.run_key == f"{old.run_key}:retry" and retry.trigger == "retry"
    assert retry.status == JobRunStatus.SUCCEEDED, (retry.error, output)
    assert retry.counts["raised"] > 0 and retry.counts["errors"] == 0
    assert "abandoned" in output

    client = admin_client(app)
    page = client.get("/jobs/").get_data(as_text=True)
    section = page[page.index('id="job-licence_sweep"'):page.index('id="job-check_sweep"')]
    assert "Avbruten – körs om" in section and "Lyckades" in section and "omkörning" in section
