"""Leases of running job runs: a heartbeat while a run works, and what happens when it stops.

A ``running`` run holds its job (and its night) only while its process lives, and a process
killed with SIGKILL, by the OOM killer or a power cut says nothing on its way out. So the
process proves it lives: while a run works, a thread writes the run's ``heartbeat_at`` every
``JOB_HEARTBEAT_SECONDS`` with one plain UPDATE on a connection of its own (a bookkeeping
column: no ORM object, no version check, never the job's own session or transaction).

A running run whose heartbeat is older than ``JOB_LEASE_SECONDS`` has lost its process. Whoever
notices first (the scheduler at start, its poll every few seconds, or a claim of the same night
that meets the row) marks it ``abandoned`` with one conditional UPDATE, so only one process
does, and inserts one retry keyed ``<run_key>:retry`` (``requested``, ``retry_of_id`` pointing
back): the unique (job, run_key) constraint lets the night be run again exactly once however
many schedulers race. A retry that is abandoned in turn gets no retry of its own: something
kills the job itself, and the jobs page says that a person has to start it again.

A process never abandons the runs it is working on itself: their ids are kept in ``_LIVE``
while their heartbeat runs (a heartbeat that could not be written, e.g. behind a long SQLite
write, must not make the poll of the same process take its own run over).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from vendor_registry.codes import JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.reconcile import dialect_insert
from vendor_registry.jobs.models import JobRun
from vendor_registry.sqlite import write_intent

log = logging.getLogger(__name__)
RETRY_SUFFIX = ":retry"
RETRY_TRIGGER = "retry"
_LIVE: set[int] = set()
_LIVE_LOCK = threading.Lock()


class LeaseConfigError(ValueError):
    pass


def heartbeat_seconds(settings: Mapping[str, Any]) -> float:
    return float(settings.get("JOB_HEARTBEAT_SECONDS", 30.0))


def lease_seconds(settings: Mapping[str, Any]) -> float:
    return float(settings.get("JOB_LEASE_SECONDS", 90.0))


def validate(settings: Mapping[str, Any]) -> None:
    """A lease shorter than two heartbeats would take over runs that are only a little late."""
    beat, lease = heartbeat_seconds(settings), lease_seconds(settings)
    if beat <= 0 or lease < 2 * beat:
        raise LeaseConfigError(f"JOB_LEASE_SECONDS ({lease:g}) must be at least twice JOB_HEARTBEAT_SECONDS "
                               f"({beat:g}), and the heartbeat above 0; three times is usual")


def expired_before(settings: Mapping[str, Any]) -> datetime:
    """A running run whose last sign of life is older than this has lost its process."""
    return utcnow() - timedelta(seconds=lease_seconds(settings))


def last_sign_of_life():
    """The column expression compared with the lease: the heartbeat, or the start before one."""
    return func.coalesce(JobRun.heartbeat_at, JobRun.started_at)


def retry_key(run_key: str) -> str:
    return run_key + RETRY_SUFFIX


class _Heartbeat(threading.Thread):
    def __init__(self, engine: Engine, run_id: int, interval: float):
        super().__init__(name=f"heartbeat-{run_id}", daemon=True)
        self.engine, self.run_id, self.interval = engine, run_id, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        table = JobRun.__table__
        while not self.stopped.wait(self.interval):
            try:
                with write_intent(), self.engine.begin() as connection:
                    connection.execute(update(table).where(table.c.id == self.run_id,
                                                           table.c.status == JobRunStatus.RUNNING.value)
                                       .values(heartbeat_at=utcnow()))
            except Exception:  # one missed beat is not fatal: the lease allows several
                log.warning("could not write the heartbeat of run %s", self.run_id, exc_info=True)


@contextmanager
def heartbeat(app: Flask, run_id: int) -> Iterator[None]:
    """Keep ``run_id`` alive while the block runs (inside an app context)."""
    beat = _Heartbeat(db.engine, run_id, heartbeat_seconds(app.config))
    with _LIVE_LOCK:
        _LIVE.add(run_id)
    beat.start()
    try:
        yield
    finally:
        beat.stopped.set()
        # Not waited for long: a beat stuck behind a lock writes nothing once the run has
        # ended (its UPDATE only touches a running row).
        beat.join(timeout=max(1.0, beat.interval))
        with _LIVE_LOCK:
            _LIVE.discard(run_id)


def _reason(is_retry: bool, lease: float) -> str:
    with force_locale("sv"):  # stored like the other run reasons: in the registry's language
        if is_retry:
            return _("Omkörningen avbröts också: processen som körde den slutade svara (inget livstecken "
                     "på %(seconds)s sekunder). Den körs inte om automatiskt; starta jobbet med Kör nu när "
                     "orsaken är åtgärdad.", seconds=f"{lease:g}")
        return _("Processen som körde jobbet slutade svara (inget livstecken på %(seconds)s sekunder, "
                 "t.ex. stoppad eller omstartad). Körningen körs om en gång.", seconds=f"{lease:g}")


def _abandon(app: Flask, run: Any) -> bool:
    """Mark one expired run abandoned (if nobody did first) and insert its retry; commits."""
    lease = lease_seconds(app.config)
    now = utcnow()
    with write_intent():
        taken = db.session.execute(
            update(JobRun).where(JobRun.id == run.id, JobRun.status == JobRunStatus.RUNNING,
                                 last_sign_of_life() < expired_before(app.config))
            .values(status=JobRunStatus.ABANDONED, finished_at=now,
                    error=_reason(run.retry_of_id is not None, lease))
            .execution_options(synchronize_session=False)).rowcount == 1
        retry_id = None
        if taken and run.retry_of_id is None:
            retry_id = db.session.execute(
                dialect_insert(db.session, JobRun.__table__)
                .values(job=run.job, run_key=retry_key(run.run_key), trigger=RETRY_TRIGGER,
                        status=JobRunStatus.REQUESTED, started_at=now, requested_at=now,
                        started_by=run.started_by, retry_of_id=run.id)
                .on_conflict_do_nothing().returning(JobRun.__table__.c.id)).scalar()
        db.session.commit()
    if taken:
        log.warning("job %s run %s (%s) abandoned: no heartbeat for %g s; %s", run.job, run.id, run.run_key,
                    lease, f"retry is run {retry_id}" if retry_id else "not retried again")
    return taken


def reap(app: Flask, job: str | None = None) -> list[int]:
    """Abandon every running run (of ``job``, or of any job) whose lease has run out, except
    this process's own; returns their ids. Reads first and writes only when one is found, so
    the scheduler's poll costs one small read."""
    with app.app_context():
        with _LIVE_LOCK:
            own = set(_LIVE)
        query = select(JobRun.id, JobRun.job, JobRun.run_key, JobRun.started_by, JobRun.retry_of_id).where(
            JobRun.status == JobRunStatus.RUNNING, last_sign_of_life() < expired_before(app.config))
        if job is not None:
            query = query.where(JobRun.job == job)
        expired = [run for run in db.session.execute(query.order_by(JobRun.id)).all() if run.id not in own]
        db.session.rollback()
        abandoned = [run.id for run in expired if _abandon(app, run)]
        db.session.remove()
    return abandoned


def take_over(app: Flask, job: str, run_key: str) -> int | None:
    """For a claim of (job, run_key) that found the row taken: abandon it if its process is
    gone, and return the night's retry when it is waiting to run (the caller starts it); None
    when the night is done, running, or already retried."""
    reap(app, job)
    with app.app_context():
        retry_id = db.session.scalar(select(JobRun.id).where(
            JobRun.job == job, JobRun.run_key == retry_key(run_key), JobRun.status == JobRunStatus.REQUESTED))
        db.session.remove()
    return retry_id
