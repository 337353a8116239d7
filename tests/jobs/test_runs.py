"""Run claims, manual runs, failures, catch-up after downtime, the scheduler's setup."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.jobs.data import seed
from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.jobs import runs
from vendor_registry.jobs.models import JobRun
from vendor_registry.jobs.registry import (
    ScheduleConfigError,
    build_jobs,
    validate_schedule,
)
from vendor_registry.jobs.scheduler import POLL_JOB_ID, build_scheduler


def _runs(app, job=None):
    with app.app_context():
        q = select(JobRun).order_by(JobRun.id)
        if job:
            q = q.where(JobRun.job == job)
        result = db.session.scalars(q).all()
        db.session.expunge_all()
        return result


def test_scheduled_run_is_claimed_once(job_app):
    seed(job_app)
    first = runs.execute(job_app, JobName.LICENCE_SWEEP, run_key="2026-11-24")
    second = runs.execute(job_app, JobName.LICENCE_SWEEP, run_key="2026-11-24")
    assert first is not None and second is None
    [run] = _runs(job_app, "licence_sweep")
    assert run.status == JobRunStatus.SUCCEEDED and run.finished_at is not None
    assert run.counts["raised"] > 0 and run.counts["errors"] == 0
    with job_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Flag)) == run.counts["raised"]


def test_manual_runs_use_their_own_keys(job_app):
    a = runs.run_now(job_app, JobName.CONTRACT_SWEEP, started_by="test")
    b = runs.run_now(job_app, JobName.CONTRACT_SWEEP, started_by="test")
    nightly = runs.execute(job_app, JobName.CONTRACT_SWEEP)
    assert None not in (a, b, nightly)
    keys = [r.run_key for r in _runs(job_app, "contract_sweep")]
    assert keys[0].startswith("manual:") and keys[1].startswith("manual:") and keys[0] != keys[1]
    assert keys[2] == runs.scheduled_run_key(datetime.now(UTC))


def test_failing_job_is_recorded_and_does_not_raise(job_app, monkeypatch):
    from vendor_registry.flags import rules as rules_module

    seed(job_app, 2)
    real = rules_module.rules_by_job

    def broken(ctx):
        raise RuntimeError("regeln gick sönder")

    def patched():
        table = real()
        table[JobName.LICENCE_SWEEP] = {**table[JobName.LICENCE_SWEEP], "licence_missing": broken}
        return table

    monkeypatch.setattr(rules_module, "rules_by_job", patched)
    run_id = runs.run_now(job_app, JobName.LICENCE_SWEEP)
    [run] = _runs(job_app, "licence_sweep")
    assert run.id == run_id and run.status == JobRunStatus.FAILED
    assert "regeln gick sönder" in run.error and run.counts["errors"] == 1
    assert run.counts["raised"] > 0  # the other rules still ran and committed


def test_catch_up_after_downtime_runs_once(job_app):
    seed(job_app, 2)
    now = datetime.now(UTC)
    ran = runs.catch_up(job_app, now=now)
    assert set(ran) >= {j.value for j in JobName if j != JobName.DIGEST}
    again = runs.catch_up(job_app, now=now + timedelta(minutes=5))
    assert again == []
    per_job = {}
    for run in _runs(job_app):
        per_job.setdefault(run.job, []).append(run)
    assert all(len(v) == 1 for v in per_job.values())
    assert all(r.trigger == "catch_up" for v in per_job.values() for r in v)


def test_catch_up_skips_jobs_that_succeeded_since_their_last_fire(job_app):
    specs = build_jobs(job_app.config)
    now = datetime.now(UTC)
    with job_app.app_context():
        for spec in specs.values():
            previous = spec.previous_fire_time(now)
            db.session.add(JobRun(job=spec.name.value, run_key="earlier", trigger="scheduled",
                                  status=JobRunStatus.SUCCEEDED, started_at=previous + timedelta(minutes=1)))
        db.session.commit()
        db.session.remove()
    assert runs.catch_up(job_app, now=now) == []


def test_previous_fire_time_of_weekday_digest():
    specs = build_jobs({"SWEEP_HOUR": 4, "DIGEST_HOUR": 7})
    monday_morning = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 06:00 in Stockholm, before the digest
    previous = specs[JobName.DIGEST].previous_fire_time(monday_morning)
    assert previous.isoformat() == "2026-11-20T07:00:00+01:00"  # Friday
    nightly = specs[JobName.LICENCE_SWEEP].previous_fire_time(monday_morning)
    assert nightly.isoformat() == "2026-11-23T04:30:00+01:00"


@pytest.mark.parametrize("hour", [2, 3, 24, -1])
def test_refuses_sweep_hours_in_the_dst_gap(hour):
    with pytest.raises(ScheduleConfigError):
        validate_schedule({"SWEEP_HOUR": hour, "DIGEST_HOUR": 7})
    validate_schedule({"SWEEP_HOUR": 1, "DIGEST_HOUR": 7})


def test_scheduler_has_every_job_coalesced(job_app):
    scheduler = build_scheduler(job_app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    poll = jobs.pop(POLL_JOB_ID)
    assert set(jobs) == {j.value for j in JobName}
    assert all(job.coalesce and job.misfire_grace_time >= 3600 and job.max_instances == 1 for job in jobs.values())
    assert str(jobs["digest"].trigger.timezone) == "Europe/Stockholm"
    # "Kör nu" requests are looked for every few seconds, one poll at a time.
    assert poll.max_instances == 1 and poll.trigger.interval.total_seconds() == job_app.config["JOB_REQUEST_POLL_SECONDS"]


def test_cli_run_list_history(job_app):
    runner = job_app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "review_sweep"])
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output
    listing = runner.invoke(args=["jobs", "list"])
    assert "review_sweep" in listing.output and "succeeded" in listing.output and "never run" in listing.output
    history = runner.invoke(args=["jobs", "history", "review_sweep"])
    assert "manual:" in history.output
    bad = runner.invoke(args=["jobs", "run", "nonsense"])
    assert bad.exit_code != 0


def test_cli_runs_several_jobs_in_one_go_with_their_durations(job_app):
    """The nightly sweeps at once (one process start-up, as a benchmark or an operator wants)."""
    import re

    result = job_app.test_cli_runner().invoke(args=["jobs", "run", "licence_sweep", "contract_sweep"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["licence_sweep", "contract_sweep"]
    assert all("succeeded" in line and re.search(r"\(\d+\.\d\d s\)$", line) for line in lines)
    assert job_app.test_cli_runner().invoke(args=["jobs", "run"]).exit_code != 0  # a name is required
