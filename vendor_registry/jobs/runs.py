"""Run claims: a scheduled run happens once, however many schedulers or processes try.

Every run first inserts its JobRun row keyed by (job, run_key) under the unique constraint and
commits at once; whoever fails to insert exits. The nightly run key is the scheduled date in
Stockholm, so two schedulers (or a restart and a catch-up) agree on it; a manual run gets a key
of its own and never blocks the nightly one. The row is then *started* by one conditional
UPDATE (requested → running, only while no other fresh run of the job is running), so two runs
of one job never work at the same time on either backend; on PostgreSQL a transaction-scoped
advisory lock, held on a separate connection for the whole run, guards the same. A run that
finds its job held is recorded as ``skipped``, not ``failed``: nothing went wrong.

"Kör nu" on the jobs page only inserts a ``requested`` row (``request_run``); the scheduler
process polls for such rows (``run_requested``) and runs them here, so no job ever runs inside
a web request. Each run reports its progress on its row in short transactions of its own, and
keeps a heartbeat while it works: a run whose process was killed is abandoned and its night run
again once (``leases``), instead of holding the night's claim forever.
"""
from __future__ import annotations

import hashlib
import logging
import traceback
import uuid
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, select, text, update
from sqlalchemy.orm import aliased

from vendor_registry.audit.context import acting_as, job_actor
from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.reconcile import dialect_insert
from vendor_registry.flags.rules import STOCKHOLM
from vendor_registry.jobs import leases
from vendor_registry.jobs.models import JobRun
from vendor_registry.sqlite import write_intent

log = logging.getLogger(__name__)


def scheduled_run_key(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).date().isoformat()


def manual_run_key(now: datetime | None = None, prefix: str = "manual") -> str:
    now = now or utcnow()
    return f"{prefix}:{now.strftime('%Y%m%dT%H%M%SZ')}:{uuid.uuid4().hex[:8]}"


REQUEST_PREFIX = "request"


def claim(job: str, run_key: str, trigger: str, started_by: str | None = None) -> int | None:
    """Insert the claim row and commit; None if someone else already holds (job, run_key)."""
    stmt = (
        dialect_insert(db.session, JobRun.__table__)
        .values(job=job, run_key=run_key, trigger=trigger, status=JobRunStatus.REQUESTED,
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
    another run of the job holds it. On SQLite the conditional UPDATE of ``_start`` is enough."""
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


def _start(app: Flask, run_id: int, job: str) -> bool:
    """requested → running in one statement, unless another live run of ``job`` is running
    (one whose lease has run out no longer holds the job).

    One UPDATE is atomic on SQLite (writers are serialised, and jobs begin IMMEDIATE); on
    PostgreSQL the advisory lock taken before it covers the race between two snapshots.
    """
    other = aliased(JobRun)
    now = utcnow()
    busy = exists().where(other.job == job, other.id != run_id, other.status == JobRunStatus.RUNNING,
                          func.coalesce(other.heartbeat_at, other.started_at) >= leases.expired_before(app.config))
    started = db.session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.status == JobRunStatus.REQUESTED, ~busy)
        .values(status=JobRunStatus.RUNNING, started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return started


def _finish(run_id: int, status: JobRunStatus, counts: dict[str, Any] | None, error: str | None) -> None:
    """Write the outcome in a clean transaction, only while the run is still this process's:
    a run that another process marked abandoned meanwhile (its heartbeat was lost) keeps that
    status, because its retry is the night's run now."""
    db.session.rollback()  # whatever the job left, the outcome is written in a clean transaction
    now = utcnow()
    values: dict[str, Any] = {"status": status, "finished_at": now, "heartbeat_at": now, "error": error}
    if counts is not None or status != JobRunStatus.SKIPPED:
        values["counts"] = counts
    written = db.session.execute(
        update(JobRun).where(JobRun.id == run_id,
                             JobRun.status.in_((JobRunStatus.RUNNING, JobRunStatus.REQUESTED)))
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    if not written:
        log.warning("run %s ended as %s after another process had marked it abandoned; kept abandoned",
                    run_id, status.value)


def skipped_reason() -> str:
    with force_locale("sv"):  # stored like the flags' messages: in the registry's language
        return _("En annan körning av jobbet pågick; den här gjorde ingenting.")


def progress_reporter(run_id: int):
    """A callback for the job body: ``report(done, total, unit, counts)`` writes the run's
    progress in a short transaction of its own. It marks the end of a batch: it commits the
    job's session first (a job calls it after its batch's commit, so normally nothing is
    pending), because on SQLite a second connection would wait for the job's own open
    transaction. A failed progress write is logged, never fatal to the run."""

    def report(done: int, total: int, unit: str = "providers", counts: dict[str, Any] | None = None) -> None:
        values: dict[str, Any] = {"progress_done": done, "progress_total": total, "progress_unit": unit,
                                  "heartbeat_at": utcnow()}
        if counts is not None:
            values["counts"] = dict(counts)
        try:
            db.session.commit()
            db.session.execute(update(JobRun.__table__).where(JobRun.__table__.c.id == run_id).values(**values))
            db.session.commit()
        except Exception:  # progress is a courtesy; the run itself goes on
            db.session.rollback()
            log.warning("could not record progress of run %s", run_id, exc_info=True)

    return report


def execute(app: Flask, job: JobName | str, *, run_key: str | None = None, trigger: str = "scheduled",
            started_by: str | None = None, run_id: int | None = None) -> int | None:
    """Claim (or, given ``run_id``, take up a requested row) and run one job; returns the
    JobRun id, or None when the run was already claimed or started by someone else.

    Never raises for a failure of the job itself: the run is marked failed with the error text,
    so the scheduler keeps going. A run whose job is held by another run is marked skipped.
    """
    from vendor_registry.jobs.registry import build_jobs
    from vendor_registry.jobs.sweeps import JobPartlyFailed

    job = JobName(job)
    with app.app_context(), write_intent():
        spec = build_jobs(app.config)[job]
        if run_id is None:
            run_key = run_key or scheduled_run_key(utcnow())
            run_id = claim(job.value, run_key, trigger, started_by)
            if run_id is None:
                # Taken: done, running, or left by a killed process (then its one retry runs here).
                run_id = leases.take_over(app, job.value, run_key)
            if run_id is None:
                log.info("job %s run %s already claimed; skipping", job, run_key)
                return None
        lock = _advisory_lock(job.value)
        if lock is None or not _start(app, run_id, job.value):
            _release(lock)
            if db.session.get(JobRun, run_id, populate_existing=True).status != JobRunStatus.REQUESTED:
                db.session.remove()
                return None  # another scheduler took this very request up first
            log.info("job %s: another run holds the job; run %s skipped", job, run_id)
            _finish(run_id, JobRunStatus.SKIPPED, None, skipped_reason())
            db.session.remove()
            return run_id
        try:
            with leases.heartbeat(app, run_id), acting_as(job_actor(job.value)):
                counts = spec.target(progress=progress_reporter(run_id))
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


def active_run(job: str) -> JobRun | None:
    """The job's run that is waiting for the scheduler or running (and alive), if any."""
    from flask import current_app

    return db.session.scalars(
        select(JobRun).where(JobRun.job == job, (JobRun.status == JobRunStatus.REQUESTED) | (
            (JobRun.status == JobRunStatus.RUNNING)
            & (leases.last_sign_of_life() >= leases.expired_before(current_app.config))))
        .order_by(JobRun.id.desc()).limit(1)).first()


def request_run(job: JobName | str, started_by: str | None) -> tuple[JobRun, bool]:
    """Record that a person asked for a run now (flush, no commit: the view owns it).

    Returns ``(run, created)``: a second click while the job is waiting or running gets the
    run already under way instead of a duplicate that would only be skipped.
    """
    job = JobName(job)
    current = active_run(job.value)
    if current is not None:
        return current, False
    now = utcnow()
    run = JobRun(job=job.value, run_key=manual_run_key(now, REQUEST_PREFIX), trigger="manual",
                 status=JobRunStatus.REQUESTED, started_at=now, requested_at=now, started_by=started_by)
    db.session.add(run)
    db.session.flush()
    return run, True


def run_requested(app: Flask) -> list[int]:
    """What the scheduler's poll does: run every requested run ("Kör nu", and the retries of
    abandoned runs), oldest first; returns the ids of the runs it took up (skipped ones
    included). A claim's own row, ``requested`` for an instant before it starts, is not one."""
    with app.app_context():
        waiting = db.session.execute(
            select(JobRun.id, JobRun.job).where(JobRun.status == JobRunStatus.REQUESTED,
                                                JobRun.run_key.like(f"{REQUEST_PREFIX}:%")
                                                | JobRun.retry_of_id.is_not(None))
            .order_by(JobRun.id)).all()
        db.session.remove()
    ran = []
    for run_id, job in waiting:
        if execute(app, job, run_id=run_id) is not None:
            ran.append(run_id)
    return ran


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
