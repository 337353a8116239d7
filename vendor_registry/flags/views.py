"""The flag queue for supervisors, one flag's page with its actions, the overview and the
in-app notifications. Thin: validate → one service call → commit → flash → redirect."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from vendor_registry import editing
from vendor_registry.auth.permissions import Permission, has_permission, require
from vendor_registry.extensions import db
from vendor_registry.flags import bulk, notify, queries, services, visibility, whats_new
from vendor_registry.flags.forms import (
    AcknowledgeForm,
    AssignForm,
    BulkForm,
    DismissForm,
    ResolveForm,
)
from vendor_registry.pagecache import cached_page
from vendor_registry.parsing import page_number

bp = Blueprint("flags", __name__, url_prefix="/flags")
NOBODY = _l("Ingen")


@bp.app_context_processor
def _notification_count():
    """The count in the navigation bar: unread notices plus what is new (one statement per page)."""
    def unread() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        return whats_new.badge_count(current_user)
    return {"unread_notifications": unread}


@bp.route("/")
@require(Permission.ACKNOWLEDGE_FLAG, Permission.RESOLVE_FLAG)
@cached_page()
def index():
    return _render_queue(BulkForm(formdata=None), selected=None)


def _bulk_form(form: BulkForm, users) -> BulkForm:
    form.assignee_id.choices = [("", str(NOBODY))] + [(u.id, f"{u.name} ({u.email})") for u in users]
    return form


def _render_queue(form: BulkForm, selected: set[int] | None, status: int = 200):
    """The queue with its bulk form; ``selected`` are the rows to show checked (the person's
    selection after a refused submit, or every row with ``?select=all`` when JS is off)."""
    filters = queries.FlagFilters.from_args(request.args)
    page = page_number(request.args.get("page"))
    pagination = queries.paginate_flags(filters, page, current_app.config["FLAGS_PER_PAGE"], current_user.id)
    users = queries.assignable_users()
    if selected is None and request.args.get("select") == "all":
        selected = {flag.id for flag in pagination.items}
    return render_template("flags/list.html", pagination=pagination, filters=filters, users=users,
                           bulk_form=_bulk_form(form, users), selected=selected or set(),
                           can_assign=has_permission(current_user, Permission.RESOLVE_FLAG)), status


@bp.route("/bulk", methods=["POST"])
@require(Permission.ACKNOWLEDGE_FLAG)
def bulk_action():
    """Acknowledge or assign the selected rows. The queue's filters and page ride along in the
    query string, so a refused submit shows the same page with the selection and comment kept."""
    users = queries.assignable_users()
    form = _bulk_form(BulkForm(), users)
    selection = bulk.parse_selection(request.form.getlist("selected"))
    if form.action.data == "assign" and not has_permission(current_user, Permission.RESOLVE_FLAG):
        abort(403)
    if form.validate_on_submit():
        def action() -> bulk.BulkResult:
            if form.action.data == "assign":
                return bulk.assign(db.session, selection, form.assignee_id.data, [u.id for u in users])
            return bulk.acknowledge(db.session, selection, form.comment.data, form.snoozed_until.data)

        outcome = editing.save(form, action, lambda result: _done_message(form.action.data, result))
        if outcome.saved:
            _flash_skipped(outcome.result)
            back = queries.FlagFilters.from_args(request.args).to_args()
            page = page_number(request.args.get("page"))
            return redirect(url_for("flags.index", **back, **({"page": page} if page > 1 else {})))
    return _render_queue(form, set(selection), 422)


def _done_message(action: str, result: bulk.BulkResult) -> str:
    if not result.done:
        return _("Ingen av de valda avvikelserna ändrades.")
    if action == "assign":
        return ngettext("%(num)s avvikelse har fått ny ansvarig.", "%(num)s avvikelser har fått ny ansvarig.",
                        len(result.done))
    return ngettext("%(num)s avvikelse är kvitterad.", "%(num)s avvikelser är kvitterade.", len(result.done))


def _flash_skipped(result: bulk.BulkResult) -> None:
    for item in result.skipped:
        name = f"{item.flag.provider.name}: {item.flag.message}" if item.flag is not None else f"#{item.flag_id}"
        flash(_("Hoppade över %(flag)s – den %(reason)s.", flag=name, reason=item.reason), "warning")


def _forms(flag, **given):
    users = queries.assignable_users()
    view = flag.view  # the acting organisation's handling of a shared flag (issue 14)
    assign = given.get("assign") or AssignForm(formdata=None, assignee_id=view.assignee_id, version=view.version)
    assign.assignee_id.choices = [("", str(NOBODY))] + [(u.id, f"{u.name} ({u.email})") for u in users]
    return {
        "ack_form": given.get("ack") or AcknowledgeForm(formdata=None, version=view.version),
        "assign_form": assign,
        "resolve_form": given.get("resolve") or ResolveForm(formdata=None, version=view.version),
        "dismiss_form": given.get("dismiss") or DismissForm(formdata=None, version=view.version),
    }


def _render(flag, status=200, stale=None, resolve_warning=None, **given):
    return render_template("flags/detail.html", flag=flag, stale=stale, resolve_warning=resolve_warning,
                           **_forms(flag, **given)), status


@bp.route("/<int:flag_id>")
@require(Permission.ACKNOWLEDGE_FLAG, Permission.RESOLVE_FLAG)
def detail(flag_id: int):
    return _render(queries.get_flag_or_404(flag_id))



def _act(flag_id: int, form_key: str, form, action, done_message: str):
    flag = queries.get_flag_or_404(flag_id)
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: action(flag, form), done_message, on_form=False)
        if outcome.saved:
            return redirect(url_for("flags.detail", flag_id=flag_id))
        if outcome.stale is not None:
            return _render(queries.get_flag_or_404(flag_id), 409, stale=outcome.stale, **{form_key: form})
        if services.ConditionStillHolds.KEY in outcome.errors:  # nothing changed: warn, ask to confirm
            return _render(queries.get_flag_or_404(flag_id), 422,
                           resolve_warning=outcome.errors[services.ConditionStillHolds.KEY][0], **{form_key: form})
        editing.apply_field_errors(form, outcome.errors)
    return _render(queries.get_flag_or_404(flag_id), 422, **{form_key: form})


@bp.route("/<int:flag_id>/acknowledge", methods=["POST"])
@require(Permission.ACKNOWLEDGE_FLAG)
def acknowledge(flag_id: int):
    return _act(flag_id, "ack", AcknowledgeForm(), lambda flag, form: services.acknowledge(
        flag, form.comment.data, form.snoozed_until.data, form.version.data),
        _("Avvikelsen är kvitterad."))


@bp.route("/<int:flag_id>/assign", methods=["POST"])
@require(Permission.RESOLVE_FLAG)
def assign(flag_id: int):
    form = AssignForm()
    form.assignee_id.choices = [("", str(NOBODY))] + [(u.id, u.name) for u in queries.assignable_users()]
    return _act(flag_id, "assign", form, lambda flag, f: services.assign(flag, f.assignee_id.data, f.version.data),
                _("Ansvarig är sparad."))


@bp.route("/<int:flag_id>/resolve", methods=["POST"])
@require(Permission.RESOLVE_FLAG)
def resolve(flag_id: int):
    return _act(flag_id, "resolve", ResolveForm(), lambda flag, form: services.resolve(
        flag, form.note.data, form.version.data, confirmed=form.confirmed.data == "1"),
        _("Avvikelsen är åtgärdad."))


@bp.route("/<int:flag_id>/dismiss", methods=["POST"])
@require(Permission.RESOLVE_FLAG)
def dismiss(flag_id: int):
    return _act(flag_id, "dismiss", DismissForm(), lambda flag, form: services.dismiss(
        flag, form.justification.data, form.version.data), _("Avvikelsen är avfärdad."))


@bp.route("/overview")
@require(Permission.RESOLVE_FLAG, Permission.READ_AUDIT)
def overview():
    return render_template("flags/overview.html", data=queries.overview(
        lapse_days=int(current_app.config["LICENCE_EXPIRING_DAYS"])))


@bp.route("/notifications")
@require(Permission.VIEW_PROVIDERS)
def notifications():
    items = visibility.shown_notifications(queries.notifications_for(current_user.id), current_user)
    can_open = has_permission(current_user, Permission.ACKNOWLEDGE_FLAG) or has_permission(
        current_user, Permission.RESOLVE_FLAG)
    new = whats_new.whats_new(current_user)
    new.urgent = visibility.shown_flags(new.urgent, current_user)
    new.assigned = visibility.shown_flags(new.assigned, current_user)
    return render_template("flags/notifications.html", items=items, can_open=can_open, new=new)


@bp.route("/notifications/read", methods=["POST"])
@require(Permission.VIEW_PROVIDERS)
def notifications_read():
    notify.mark_read(current_user.id)
    whats_new.mark_seen(current_user.id)
    db.session.commit()
    flash(_("Alla notiser är markerade som lästa."), "success")
    return redirect(url_for("flags.notifications"))



