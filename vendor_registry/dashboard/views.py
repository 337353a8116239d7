"""The start page after login: one page per role showing that role's work, and the short lists
its numbers open (things ending soon, checks due) that had no page elsewhere.

Each number is a link to a filtered list built from the same query as the number
(``dashboard.queries``). The social worker's "recently opened providers" live in the session:
nothing about persons, nothing stored server-side, gone at logout.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from vendor_registry import clock
from vendor_registry.auth.permissions import Permission, public, require
from vendor_registry.codes import Role
from vendor_registry.dashboard import charts, queries, trends
from vendor_registry.labels import label
from vendor_registry.parsing import record_ids

bp = Blueprint("dashboard", __name__)

RECENT_KEY = "recent_providers"
RECENT_MAX = 8
# Pages that count as "opened or compared this provider" for the recent list.
_RECENT_ENDPOINTS = {"providers.detail", "demand.match_explain", "demand.match_compare"}


@bp.route("/")
@public
def root():
    return redirect(url_for("dashboard.index"))


@bp.after_app_request
def _remember_providers(response):
    """Keep the ids of the providers this person last opened or compared, newest first."""
    if request.endpoint not in _RECENT_ENDPOINTS or response.status_code != 200:
        return response
    if not current_user or not current_user.is_authenticated:
        return response
    if request.endpoint == "demand.match_compare":
        opened = record_ids(request.args.getlist("provider"))
    else:
        opened = [int((request.view_args or {}).get("provider_id", 0))]
    recent = [i for i in session.get(RECENT_KEY, []) if isinstance(i, int) and i not in opened]
    session[RECENT_KEY] = ([i for i in opened if i] + recent)[:RECENT_MAX]
    return response


def _trend_charts() -> dict:
    data = trends.flag_trends()
    labels = [w.last_day.strftime("%d/%m") for w in data["weeks"]]
    stack = [(f"sev-{s.value}", str(label(s)), data["open"][s]) for s in reversed(trends.SEVERITIES)]
    flow = [("flow-raised", str(_l("Nya")), data["raised"]), ("flow-resolved", str(_l("Avslutade")),
                                                                data["resolved"])]
    return {
        "labels": labels, "weeks": data["weeks"],
        "open_chart": charts.stacked_bars(labels, stack), "open_series": list(reversed(stack)),
        "flow_chart": charts.paired_bars(labels, flow), "flow_series": flow,
    }


@bp.route("/start")
@require()
def index():
    role = current_user.role
    context: dict = {"role": role}
    if role == Role.SUPERVISOR:
        context.update(supervisor=queries.supervisor_page(current_user.id), trend=_trend_charts())
    elif role == Role.PROCUREMENT_OFFICER:
        context.update(procurement=queries.procurement_page(current_user.id))
    elif role == Role.ADMIN:
        from vendor_registry.jobs.views import job_overview

        context.update(admin=queries.admin_page(), jobs=job_overview())
    from vendor_registry.demand.queries import list_profiles

    if role == Role.SOCIAL_WORKER:
        context.update(social=queries.social_worker_page())
    context.update(profiles=list_profiles() if role == Role.SOCIAL_WORKER else [],
                   recent=queries.recent_providers(list(session.get(RECENT_KEY, []))))
    return render_template("dashboard/index.html", **context)


@bp.route("/start/ending")
@require(Permission.VIEW_PROVIDERS)
def ending():
    """Licences or contracts that end within N days: the list behind the start page's number."""
    what = request.args.get("what", "licences")
    days = request.args.get("days", queries.LICENCE_DAYS, type=int)
    if what not in queries.WHAT_ENDS or days is None or not 0 <= days <= 3650:
        abort(404)
    rows = queries.rows_of(queries.ending_query(what, days))
    return render_template("dashboard/ending.html", what=what, days=days, rows=rows)


@bp.route("/start/checks-due")
@require(Permission.VIEW_CHECK_DETAILS)
def checks_due():
    """Latest checks whose next due date is on or before the end of this month."""
    until = queries.month_end(clock.today())
    rows = queries.rows_of(queries.checks_due_query(until))
    return render_template("dashboard/checks_due.html", rows=rows, until=until, today=clock.today())
