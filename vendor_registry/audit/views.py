"""The audit log and the sign-in log for supervisors and admins: every change and every login
attempt, filterable, newest first; the change log also as CSV."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user

from vendor_registry import clock
from vendor_registry.audit import exports, labels, presentation, queries
from vendor_registry.auth import throttle
from vendor_registry.auth.models import SIGN_IN_OUTCOMES
from vendor_registry.auth.permissions import Permission, has_permission, require
from vendor_registry.auth.queries import SignInFilters, sign_in_query
from vendor_registry.extensions import db
from vendor_registry.parsing import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


@bp.route("/")
@require(Permission.READ_AUDIT)
def index():
    filters = queries.AuditFilters.from_args(request.args)
    page = page_number(request.args.get("page"))
    pagination = db.paginate(queries.audit_query(filters), page=page, per_page=PER_PAGE, error_out=False)
    entity_types = sorted(((t, labels.entity_label(t)) for t in queries.entity_types()), key=lambda item: item[1])
    return render_template("audit/index.html", pagination=pagination, filters=filters,
                           rows=presentation.present(pagination.items), entity_types=entity_types,
                           actions=[(a, labels.action_label(a)) for a in queries.ACTIONS])


@bp.route("/export.csv")
@require(Permission.READ_AUDIT)
def export():
    filters = queries.AuditFilters.from_args(request.args)
    stamp = clock.today().isoformat()
    return Response(stream_with_context(exports.to_csv_chunks(filters)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="andringslogg-{stamp}.csv"',
                             "Cache-Control": "no-store"})


@bp.route("/sign-ins")
@require(Permission.READ_AUDIT)
def sign_ins():
    filters = SignInFilters.from_args(request.args)
    page = page_number(request.args.get("page"))
    pagination = db.paginate(sign_in_query(filters), page=page, per_page=PER_PAGE, error_out=False)
    return render_template("audit/sign_ins.html", pagination=pagination, filters=filters,
                           outcomes=SIGN_IN_OUTCOMES, when=presentation.format_moment,
                           locked=throttle.locked_accounts(),
                           can_unlock=has_permission(current_user, Permission.ADMINISTER))
