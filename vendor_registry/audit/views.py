"""The audit log for supervisors and admins: every change, filterable, newest first."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from vendor_registry.audit import queries
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


@bp.route("/")
@require(Permission.READ_AUDIT)
def index():
    filters = queries.AuditFilters.from_args(request.args)
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(queries.audit_query(filters), page=page, per_page=PER_PAGE, error_out=False)
    return render_template("audit/index.html", pagination=pagination, filters=filters,
                           entity_types=queries.entity_types(), actions=queries.ACTIONS)
