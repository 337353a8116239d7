"""Job runs: the claim row that makes a scheduled run happen once, and its outcome.

A run asked for on the jobs page ("Kör nu") is the same row, created as ``requested``: the
one scheduler process claims it, and the page follows its state and progress on the row.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vendor_registry.codes import JobRunStatus
from vendor_registry.database import enum_type, utcnow
from vendor_registry.extensions import db


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "run_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    run_key: Mapped[str] = mapped_column(String(80))
    trigger: Mapped[str] = mapped_column(String(20))  # scheduled | manual | catch_up | retry
    status: Mapped[JobRunStatus] = mapped_column(enum_type(JobRunStatus), default=JobRunStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(254))
    # When "Kör nu" asked for the run (None for scheduled and CLI runs).
    requested_at: Mapped[datetime | None]
    # Progress while running: ``progress_done`` of ``progress_total`` (providers, or rules
    # for the set-based sweeps), and when the run last reported it (a silent run is stale).
    progress_done: Mapped[int | None]
    progress_total: Mapped[int | None]
    progress_unit: Mapped[str | None] = mapped_column(String(20))
    heartbeat_at: Mapped[datetime | None]
    # The abandoned run this one runs again (``jobs/leases.py``): a run with it set is a retry,
    # and a retry that is abandoned in turn is not run again automatically.
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))
