"""CLI: ``flask jobs list|run|history`` and ``flask scheduler`` (the scheduler process)."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.extensions import db
from vendor_registry.jobs import runs
from vendor_registry.jobs.leases import LeaseConfigError
from vendor_registry.jobs.models import JobRun
from vendor_registry.jobs.registry import ScheduleConfigError, build_jobs

jobs_cli = AppGroup("jobs", help="Scheduled jobs: list, run now, history.")
JOB_NAMES = click.Choice([j.value for j in JobName])


def _outcome(run: JobRun | None) -> str:
    if run is None:
        return "never run"
    counts = ", ".join(f"{k}={v}" for k, v in (run.counts or {}).items())
    return f"{run.started_at:%Y-%m-%d %H:%M}Z {run.status.value} {counts}".strip()


@jobs_cli.command("list")
def jobs_list() -> None:
    """Every job with its schedule and its latest run."""
    specs = build_jobs(current_app.config)
    latest = {}
    for run in db.session.scalars(select(JobRun).order_by(JobRun.started_at)):
        latest[run.job] = run
    for spec in specs.values():
        click.echo(f"{spec.name.value:<20} {spec.day_of_week:<8} {spec.hour:02d}:{spec.minute:02d}  "
                   f"{_outcome(latest.get(spec.name.value))}")


@jobs_cli.command("run")
@click.argument("names", nargs=-1, required=True, type=JOB_NAMES)
def jobs_run(names: tuple[str, ...]) -> None:
    """Run jobs now, one after the other, each under a manual run key (the nightly runs still
    happen). Every one is run even when an earlier one failed; the exit status says so."""
    app = current_app._get_current_object()
    failed = False
    for name in names:
        db.session.rollback()  # only read so far: the next read sees what this run commits
        run_id = runs.run_now(app, name, started_by="cli")
        run = db.session.get(JobRun, run_id)
        if run.status == JobRunStatus.SKIPPED:  # nothing went wrong: another run is doing the work
            click.echo(f"{name}: skipped: another run of {name} is in progress; nothing was done.")
            continue
        took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        click.echo(f"{name}: {_outcome(run)}" + (f" ({took:.2f} s)" if took is not None else ""))
        if run.error:
            click.echo(run.error, err=True)
            failed = True
    if failed:
        raise SystemExit(1)


@jobs_cli.command("history")
@click.argument("name", type=JOB_NAMES)
@click.option("--limit", default=20, show_default=True)
def jobs_history(name: str, limit: int) -> None:
    for run in db.session.scalars(select(JobRun).where(JobRun.job == name)
                                  .order_by(JobRun.started_at.desc()).limit(limit)):
        click.echo(f"{run.run_key:<40} {run.trigger:<9} {_outcome(run)}"
                   + (f"  error: {run.error.splitlines()[0]}" if run.error else ""))


@click.command("scheduler")
@click.option("--no-catch-up", is_flag=True, help="Do not run jobs missed while the scheduler was down.")
def scheduler_command(no_catch_up: bool) -> None:
    """Start the scheduler process (blocks; Ctrl-C stops it)."""
    from vendor_registry.jobs.scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    try:
        run_scheduler(app, catch_up=not no_catch_up)
    except (ScheduleConfigError, LeaseConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
