"""/api/v1/jobs: the latest scheduled-job runs, for monitoring (admins and supervisors)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.registry import make_blueprint
from vendor_registry.auth.permissions import Permission
from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.extensions import db
from vendor_registry.jobs.models import JobRun

bp = make_blueprint("api_jobs", "Schemalagda jobb: senaste körningar.")


class JobRunSchema(s.ApiSchema):
    id = s.Int(required=True)
    job = s.Str(required=True, validate=s.one_of(JobName))
    trigger = s.Str(required=True, validate=s.one_of(["scheduled", "manual", "catch_up", "retry"]))
    status = s.Str(required=True, validate=s.one_of(JobRunStatus))
    started_at = s.DateTime(required=True)
    finished_at = s.DateTime(required=True, allow_none=True)
    counts = s.Dict(required=True, allow_none=True)
    error = s.Text(required=True, allow_none=True, metadata={"description": "Felet, som källan eller systemet "
                                                                          "angav det."})
    started_by = s.Str(required=True, allow_none=True)


class JobQuerySchema(s.PageQuerySchema):
    job = s.Str(load_default=None, validate=s.one_of(JobName))
    status = s.Str(load_default=None, validate=s.one_of(JobRunStatus))


class JobRunPageSchema(s.PageSchema):
    items = s.List(s.Nested(JobRunSchema), required=True)


@bp.route("/jobs", methods=["GET"])
@api_require(Permission.RUN_JOBS)
@bp.arguments(JobQuerySchema, location="query")
@bp.response(200, JobRunPageSchema)
def list_job_runs(args: dict[str, Any]):
    """Senaste jobbkörningar

    Nyaste först, med utfall, räknare och eventuellt fel.
    """
    stmt = select(JobRun)
    if args["job"]:
        stmt = stmt.where(JobRun.job == args["job"])
    if args["status"]:
        stmt = stmt.where(JobRun.status == args["status"])
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(
        stmt.order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
    ).all()
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}
