"""The scheduler process: ``flask --app vendor_registry scheduler``. Never started by the web app.

APScheduler 3's BlockingScheduler in Europe/Stockholm. Each trigger only calls
``runs.execute``, whose claim row makes the run happen once even if two schedulers run;
``coalesce`` folds a backlog of missed fires into one, and the grace time lets a run that was
a little late (a restart, a long previous job) still happen. A short-interval job polls for runs
asked for on the jobs page ("Kör nu") every ``JOB_REQUEST_POLL_SECONDS`` and runs them here;
the same poll (and the start) abandons runs whose process was killed and runs their one retry
(``leases``), so a restart within the lease, which finds the killed run still looking alive,
does not lose the night either.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from vendor_registry.codes import JobName
from vendor_registry.flags.rules import STOCKHOLM
from vendor_registry.jobs import leases, runs
from vendor_registry.jobs.registry import build_jobs

log = logging.getLogger(__name__)
POLL_JOB_ID = "run_requests"


def _fire(app: Flask, job: str) -> None:
    runs.execute(app, JobName(job), trigger="scheduled")


def _poll(app: Flask) -> None:
    leases.reap(app)
    ran = runs.run_requested(app)
    if ran:
        log.info("requested runs done: %s", ", ".join(map(str, ran)))


def build_scheduler(app: Flask) -> BlockingScheduler:
    leases.validate(app.config)
    options = {"coalesce": True, "max_instances": 1,
               "misfire_grace_time": int(app.config["JOB_MISFIRE_GRACE_SECONDS"])}
    scheduler = BlockingScheduler(timezone=STOCKHOLM, job_defaults=options)
    for spec in build_jobs(app.config).values():
        scheduler.add_job(_fire, spec.trigger(), args=[app, spec.name.value], id=spec.name.value,
                          name=spec.name.value, replace_existing=True, **options)
    # One poll at a time; polls missed while one was busy fold into a single late one.
    scheduler.add_job(_poll, IntervalTrigger(seconds=float(app.config["JOB_REQUEST_POLL_SECONDS"])), args=[app],
                      id=POLL_JOB_ID, name=POLL_JOB_ID, replace_existing=True, coalesce=True, max_instances=1,
                      misfire_grace_time=None)
    return scheduler


def run_scheduler(app: Flask, catch_up: bool = True) -> None:
    scheduler = build_scheduler(app)  # validates the hours and the lease before anything runs
    abandoned = leases.reap(app)
    if abandoned:
        log.warning("%s run(s) left running by a stopped process marked abandoned", len(abandoned))
    if catch_up:
        ran = runs.catch_up(app)
        log.info("catch-up ran: %s", ", ".join(ran) or "nothing")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
