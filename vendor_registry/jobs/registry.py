"""The scheduled jobs of DOMAIN.md §6: when each runs, how often it must succeed, what it calls.

One table read by the scheduler, the CLI and the jobs page, so the three never disagree.
Nightly jobs run in Europe/Stockholm at SWEEP_HOUR; the automatic checks run first, the sweeps
after them, and the digest on weekday mornings after the sweeps.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from flask_babel import lazy_gettext as _l

from vendor_registry.codes import JobName
from vendor_registry.flags.rules import STOCKHOLM

#: Hours in which clocks jump at DST changes: a job there may run twice or not at all.
FORBIDDEN_HOURS = (2, 3)


@dataclass(frozen=True)
class JobSpec:
    name: JobName
    hour: int
    minute: int
    day_of_week: str  # APScheduler cron syntax: "*" or "mon-fri"
    # The longest normal gap between two runs: catch-up and "not succeeded" warnings use it.
    interval: timedelta
    # Called as ``target(progress=report)``; see ``runs.progress_reporter``.
    target: Callable[..., dict[str, Any]]

    def trigger(self) -> CronTrigger:
        return CronTrigger(hour=self.hour, minute=self.minute, day_of_week=self.day_of_week, timezone=STOCKHOLM)

    @property
    def schedule_text(self) -> str:
        when = f"{self.hour:02d}:{self.minute:02d}"
        if self.day_of_week == "*":
            return str(_l("Varje natt kl. %(time)s", time=when))
        return str(_l("Vardagar kl. %(time)s", time=when))

    def previous_fire_time(self, now: datetime) -> datetime | None:
        """The latest scheduled time at or before ``now`` (looked for in the past eight days)."""
        trigger = self.trigger()
        moment = trigger.get_next_fire_time(None, (now - timedelta(days=8)).astimezone(STOCKHOLM))
        previous = None
        while moment is not None and moment <= now:
            previous = moment
            moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
        return previous


class ScheduleConfigError(ValueError):
    pass


def validate_schedule(settings: Mapping[str, Any]) -> None:
    """Refuse hours that do not exist or happen twice at DST changes in Stockholm."""
    for key in ("SWEEP_HOUR", "DIGEST_HOUR"):
        hour = int(settings[key])
        if not 0 <= hour <= 23:
            raise ScheduleConfigError(f"{key} must be 0–23, not {hour}")
        if hour in FORBIDDEN_HOURS:
            raise ScheduleConfigError(f"{key}={hour} lies in 02–03, when Stockholm's clock changes; choose another hour")


def build_jobs(settings: Mapping[str, Any]) -> dict[JobName, JobSpec]:
    from vendor_registry.jobs import sweeps

    validate_schedule(settings)
    sweep_hour = int(settings["SWEEP_HOUR"])
    digest_hour = int(settings["DIGEST_HOUR"])
    day = timedelta(days=1)
    specs = [
        JobSpec(JobName.RUN_DUE_CHECKS, sweep_hour, 0, "*", day, sweeps.run_due_checks),
        JobSpec(JobName.LICENCE_SWEEP, sweep_hour, 30, "*", day, partial(sweeps.run_sweep, JobName.LICENCE_SWEEP)),
        JobSpec(JobName.CHECK_SWEEP, sweep_hour, 35, "*", day, partial(sweeps.run_sweep, JobName.CHECK_SWEEP)),
        JobSpec(JobName.REVIEW_SWEEP, sweep_hour, 40, "*", day, partial(sweeps.run_sweep, JobName.REVIEW_SWEEP)),
        JobSpec(JobName.CERTIFICATION_SWEEP, sweep_hour, 45, "*", day,
                partial(sweeps.run_sweep, JobName.CERTIFICATION_SWEEP)),
        JobSpec(JobName.CONTRACT_SWEEP, sweep_hour, 50, "*", day, partial(sweeps.run_sweep, JobName.CONTRACT_SWEEP)),
        # Friday's digest is followed by Monday's: three days is its normal gap.
        JobSpec(JobName.DIGEST, digest_hour, 0, "mon-fri", timedelta(days=3), sweeps.send_digest),
    ]
    return {spec.name: spec for spec in specs}
