"""Run claims: a scheduled run happens once, however many schedulers or processes try.

Every run first inserts its JobRun row keyed by (job, run_key) under the unique constraint and
commits at once; whoever fails to insert exits. The nightly run key is the scheduled date in
Stockholm, so two schedulers (or a restart and a catch-up) agree on it; a manual run gets a key
of its own and never blocks the nightly one. On PostgreSQL a transaction-scoped advisory lock,
held on a separate connection for the whole run, also keeps two runs of one job (say a manual
and a nightly one) from working at the same time.
"""
from __future__ import annotations

import hashlib
import logging
import traceback
import uuid
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from vendor_registry.audit.context import acting_as, job_actor
from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.reconcile import dialect_insert
from vendor_registry.flags.rules import STOCKHOLM
from vendor_registry.jobs.models import JobRun

log = logging.getLogger(__name__)


def scheduled_run_key(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).date().isoformat()


def manual_run_key(now: datetime | None = None) -> str:
    now = now or utcnow()
    return f"manual:{now.strftime('%Y%m%dT%H%M%SZ')}:{uuid.uuid4().hex[:8]}"


def claim(job: str, run_key: str, trigger: str, started_by: str | None = None) -> int | None:
    """Insert the claim row and commit; None if someone else already holds (job, run_key)."""
    stmt = (
        dialect_insert(db.session, JobRun.__table__)
        .values(job=job, run_key=run_key, trigger=trigger, status=JobRunStatus.RUNNING,
                started_at=utcnow(), started_by=started_by)
        .on_conflict_do_nothing()
        .returning(JobRun.__table__.c.id)
    )
    run_id = db.session.execute(stmt).scalar()
    db.session.commit()
    return run_id


def _lock_key(job: str) -> int:
    return int.from_bytes(hashlib.sha256(f"job:{job}".encode()).digest()[:8], "big", signed=True)


def _advisory_lock(job: str):
    """On PostgreSQL, a connection holding ``pg_try_advisory_xact_lock`` for the run; None if
    another run of the job holds it. On SQLite, writers are serialised by the database itself."""
    if db.engine.dialect.name != "postgresql":
        return "not-needed"
    connection = db.engine.connect()
    connection.begin()
    if connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _lock_key(job)}).scalar():
        return connection
    connection.rollback()
    connection.close()
    return None


def _release(lock: Any) -> None:
    if lock not in (None, "not-needed"):
        lock.rollback()
        lock.close()


def _finish(run_id: int, status: JobRunStatus, counts: dict[str, Any] | None, error: str | None) -> None:
    run = db.session.get(JobRun, run_id)
    run.status = status
    run.finished_at = utcnow()
    run.counts = counts
    run.error = error
    db.session.commit()


def execute(app: Flask, job: JobName | str, *, run_key: str | None = None, trigger: str = "scheduled",
            started_by: str | None = None) -> int | None:
    """Claim and run one job; returns the JobRun id, or None when the run was already claimed.

    Never raises for a failure of the job itself: the run is marked failed with the error text,
    so the scheduler keeps going.
    """
    from vendor_registry.jobs.registry import build_jobs
    from vendor_registry.jobs.sweeps import JobPartlyFailed

    job = JobName(job)
    with app.app_context():
        spec = build_jobs(app.config)[job]
        run_key = run_key or scheduled_run_key(utcnow())
        run_id = claim(job.value, run_key, trigger, started_by)
        if run_id is None:
            log.info("job %s run %s already claimed; skipping", job, run_key)
            return None
        lock = _advisory_lock(job.value)
        if lock is None:
            _finish(run_id, JobRunStatus.FAILED, None, "Another run of this job was in progress; nothing was done.")
            return run_id
        try:
            with acting_as(job_actor(job.value)):
                counts = spec.target()
        except JobPartlyFailed as exc:
            db.session.rollback()
            _finish(run_id, JobRunStatus.FAILED, exc.counts, str(exc))
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s failed", job)
            _finish(run_id, JobRunStatus.FAILED, {"errors": 1},
                    f"{exc.__class__.__name__}: {exc}\n" + traceback.format_exc(limit=5)[-3000:])
        else:
            _finish(run_id, JobRunStatus.SUCCEEDED, counts, None)
        finally:
            _release(lock)
            db.session.remove()
        return run_id


def run_now(app: Flask, job: JobName | str, started_by: str | None = None) -> int | None:
    """A manual run: its own key, so the nightly run still happens."""
    return execute(app, job, run_key=manual_run_key(), trigger="manual", started_by=started_by)


def last_success(job: str) -> datetime | None:
    return db.session.scalar(
        select(JobRun.started_at).where(JobRun.job == job, JobRun.status == JobRunStatus.SUCCEEDED)
        .order_by(JobRun.started_at.desc()).limit(1)
    )


def catch_up(app: Flask, now: datetime | None = None) -> list[str]:
    """At scheduler start, run once every job whose latest scheduled time passed without a
    successful run since. The run key is that scheduled date, so a second start (or the
    scheduler's own trigger) cannot run it again."""
    from vendor_registry.jobs.registry import build_jobs

    now = now or utcnow()
    ran = []
    with app.app_context():
        specs = build_jobs(app.config)
        due = []
        for spec in specs.values():
            previous = spec.previous_fire_time(now)
            if previous is None:
                continue
            succeeded = last_success(spec.name.value)
            if succeeded is None or succeeded < previous:
                due.append((spec.name, scheduled_run_key(previous)))
        db.session.remove()
    for name, key in due:
        if execute(app, name, run_key=key, trigger="catch_up") is not None:
            ran.append(name.value)
    return ran
