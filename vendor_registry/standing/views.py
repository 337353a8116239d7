"""The provider's standing as pages: the list (search, filters, exports), the detail page, the
printable record, status changes, and the register/edit form (which offers the service-area
catalogue). Thin: validate → one service call → commit → flash → redirect. Reads come from ``listing``, ``status_maps`` and
``sections`` so that the page, the exports and the API agree.

The routes are added to the entity's ``providers`` blueprint (endpoints stay ``providers.*``):
this module composes the features, the entity does not.
"""
from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from vendor_registry import clock, editing
from vendor_registry.auth.permissions import Permission, has_permission, require
from vendor_registry.database import utcnow
from vendor_registry.labels import label
from vendor_registry.methods.queries import (
    active_methods,
    service_area_choices,
    service_area_names,
)
from vendor_registry.pagecache import cached_page
from vendor_registry.parsing import page_number
from vendor_registry.providers import queries, services
from vendor_registry.providers.forms import ProviderForm, TransitionForm
from vendor_registry.providers.views import bp
from vendor_registry.standing import approval, exports, listing
from vendor_registry.standing.sections import load_provider_page
from vendor_registry.standing.status_maps import row_facts


def _filter_options() -> dict:
    return {"service_areas": service_area_choices(), "methods": [(m.id, m.name) for m in active_methods()]}


@bp.route("/")
@require(Permission.VIEW_PROVIDERS)
@cached_page()
def index():
    filters = listing.ProviderFilters.from_args(request.args)
    page = page_number(request.args.get("page"))
    pagination = listing.paginate_providers(filters, page, current_app.config["PROVIDERS_PER_PAGE"],
                                            columns=listing.LIST_COLUMNS)
    return render_template("providers/list.html", pagination=pagination, filters=filters,
                           facts=row_facts(pagination.items), options=_filter_options())


@bp.route("/export.<any(csv, xlsx):fmt>")
@require(Permission.VIEW_PROVIDERS)
def export(fmt: str):
    filters = listing.ProviderFilters.from_args(request.args)
    stamp = clock.today().isoformat()
    if fmt == "csv":
        body = exports.to_csv(filters, current_user, service_area_names())
        mimetype = "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(filters, current_user, service_area_names())
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="utforare-{stamp}.{fmt}"',
        "Cache-Control": "no-store",
    })


def _render_detail(provider, status: int = 200, **extra):
    page = load_provider_page(provider, current_user)
    return render_template("providers/detail.html", provider=provider, page=page,
                           area_names=service_area_names(),
                           transitions=approval.allowed_transitions(provider, current_user), printing=False,
                           **extra), status


@bp.route("/<int:provider_id>")
@require(Permission.VIEW_PROVIDERS)
@cached_page()
def detail(provider_id: int):
    return _render_detail(queries.get_provider_or_404(provider_id))


@bp.route("/<int:provider_id>/print")
@require(Permission.VIEW_PROVIDERS)
def print_view(provider_id: int):
    """The full record as one printable page (the same sections, no forms or navigation)."""
    provider = queries.get_provider_or_404(provider_id)
    page = load_provider_page(provider, current_user)
    return render_template("providers/print.html", provider=provider, page=page, area_names=service_area_names(),
                           transitions=[], printing=True, now=utcnow())


@bp.route("/<int:provider_id>/status/<name>", methods=["POST"])
@require(Permission.DECIDE_APPROVAL, Permission.EDIT_PROVIDERS)
def change_status(provider_id: int, name: str):
    provider = queries.get_provider_or_404(provider_id)
    spec = approval.TRANSITIONS.get(name)
    if spec is None:
        abort(404)
    if not any(has_permission(current_user, p) for p in spec.permissions):
        abort(403)  # e.g. a procurement officer trying to approve: decisions are the supervisor's
    form = TransitionForm()
    stale = None
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: approval.transition(
            provider, name, reason=form.reason.data,
            override_justification=form.override_justification.data, conditions=form.conditions.data,
            conditions_until=form.conditions_until.data, seen_version=form.version.data or None,
        ), _("Statusen är ändrad till %(status)s.", status=label(spec.target)))
        if outcome.saved:
            return redirect(url_for("providers.detail", provider_id=provider.id, _anchor="approval"))
        stale = outcome.stale
    if stale is not None:
        return _render_detail(provider, 409, stale=stale, transition_name=name, transition_input=form.input_values())
    return _render_detail(provider, 422, transition_name=name, transition_errors=editing.field_errors(form),
                          transition_input=form.input_values())


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def create():
    form = ProviderForm(service_area_choices=service_area_choices())
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: services.create_provider(form.to_data()),
                               _("Utföraren %(name)s är registrerad som utkast.", name=form.name.data))
        if outcome.saved:
            return redirect(url_for("providers.detail", provider_id=outcome.result.id))
    return render_template("providers/form.html", form=form, provider=None), editing.page_status(form)


@bp.route("/<int:provider_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def edit(provider_id: int):
    provider = queries.get_provider_or_404(provider_id)
    if request.method == "GET":
        form = ProviderForm(obj=provider, data=ProviderForm.initial_from(provider),
                            service_area_choices=service_area_choices())
    else:
        form = ProviderForm(service_area_choices=service_area_choices())
    stale = None
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: services.update_provider(provider, form.to_data(), form.version.data),
                               _("Ändringarna är sparade."))
        if outcome.saved:
            return redirect(url_for("providers.detail", provider_id=provider.id))
        stale = outcome.stale
    return render_template("providers/form.html", form=form, provider=provider, stale=stale), \
        editing.page_status(form, stale)
