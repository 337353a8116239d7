"""The jobs page: each job's schedule, its latest runs with counts and errors, "Kör nu", and a
warning when a job has not succeeded for longer than twice its normal interval.

"Kör nu" only records a run request; the scheduler process runs it. The page's script
(static/jobs.js) follows waiting and running runs through ``/jobs/runs/status`` until they end.
"""
from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from vendor_registry.auth.permissions import Permission, require
from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.forms_common import AppForm
from vendor_registry.jobs import runs
from vendor_registry.jobs.models import JobRun
from vendor_registry.jobs.presentation import run_summary
from vendor_registry.jobs.registry import build_jobs
from vendor_registry.parsing import record_id, record_ids

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
RUNS_SHOWN = 5


def job_overview(now=None) -> list[dict]:
    """Per job: spec, latest runs, last success, and whether it is overdue (two queries)."""
    now = now or utcnow()
    specs = build_jobs(current_app.config)
    ranked = select(JobRun, func.row_number().over(partition_by=JobRun.job, order_by=JobRun.started_at.desc())
                    .label("rn")).subquery()
    from sqlalchemy.orm import aliased

    run_alias = aliased(JobRun, ranked)
    recent: dict[str, list[JobRun]] = {}
    for run in db.session.scalars(select(run_alias).where(ranked.c.rn <= RUNS_SHOWN)
                                  .order_by(ranked.c.job, ranked.c.started_at.desc())):
        recent.setdefault(run.job, []).append(run)
    successes = dict(db.session.execute(
        select(JobRun.job, func.max(JobRun.started_at)).where(JobRun.status == JobRunStatus.SUCCEEDED)
        .group_by(JobRun.job)).all())
    rows = []
    for spec in specs.values():
        last_ok = successes.get(spec.name.value)
        stale = last_ok is None or now - last_ok > 2 * spec.interval
        rows.append({"spec": spec, "runs": [run_summary(run) for run in recent.get(spec.name.value, [])],
                     "last_success": last_ok,
                     "stale": stale, "stale_days": 2 * spec.interval // timedelta(days=1)})
    return rows


@bp.route("/")
@require(Permission.RUN_JOBS)
def index():
    return render_template("jobs/index.html", jobs=job_overview(), form=AppForm())


@bp.route("/<name>/run", methods=["POST"])
@require(Permission.RUN_JOBS)
def run(name: str):
    if name not in {j.value for j in JobName}:
        abort(404)
    form = AppForm()
    if not form.validate_on_submit():
        flash(_("Formuläret hade gått ut. Försök igen."), "error")
        return redirect(url_for("jobs.index"))
    _run, created = runs.request_run(name, started_by=current_user.email)
    db.session.commit()
    if created:
        flash(_("Körningen är beställd. Schemaläggaren startar den inom några sekunder; "
                "förloppet visas nedan."), "success")
    else:
        flash(_("Jobbet väntar redan på att köras eller pågår. Förloppet visas nedan."), "info")
    return redirect(url_for("jobs.index", _anchor=f"job-{name}"))


@bp.route("/runs/status")
@require(Permission.RUN_JOBS)
def runs_status():
    """The current state of the runs the page follows (``?ids=1,2``), for its script."""
    parts = [part for part in request.args.get("ids", "").split(",") if part.strip()]
    if any(record_id(part) is None for part in parts):
        abort(400)  # not a run id (also one beyond any id the database holds)
    ids = record_ids(parts)[:50]
    found = db.session.scalars(select(JobRun).where(JobRun.id.in_(ids))).all() if ids else []
    return jsonify({"runs": [run_summary(run) for run in found]})
