"""Provider pages: list, detail, register and edit. Thin: validate → service → commit."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vendor_registry.auth.permissions import Permission, require
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.extensions import db
from vendor_registry.methods.queries import service_area_choices, service_area_names
from vendor_registry.providers import queries, services
from vendor_registry.providers.forms import ProviderForm

bp = Blueprint("providers", __name__, url_prefix="/providers")


@bp.route("/")
@require(Permission.VIEW_PROVIDERS)
def index():
    filters = queries.ProviderFilters.from_args(request.args)
    page = request.args.get("page", 1, type=int)
    pagination = queries.paginate_providers(filters, page, current_app.config["PROVIDERS_PER_PAGE"])
    return render_template("providers/list.html", pagination=pagination, filters=filters)


@bp.route("/<int:provider_id>")
@require(Permission.VIEW_PROVIDERS)
def detail(provider_id: int):
    provider = queries.get_provider_or_404(provider_id)
    return render_template("providers/detail.html", provider=provider, area_names=service_area_names())


def _apply_field_errors(form: ProviderForm, errors: dict) -> None:
    for name, messages in errors.items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = list(target)
            if field is not None:
                field.errors = target
        target.extend(str(m) for m in messages)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def create():
    form = ProviderForm(service_area_choices=service_area_choices())
    if form.validate_on_submit():
        try:
            provider = services.create_provider(form.to_data())
        except services.ValidationFailed as exc:
            db.session.rollback()
            _apply_field_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Utföraren %(name)s är registrerad som utkast.", name=provider.name), "success")
            return redirect(url_for("providers.detail", provider_id=provider.id))
    status = 422 if form.errors else 200
    return render_template("providers/form.html", form=form, provider=None), status


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
        try:
            services.update_provider(provider, form.to_data(), form.version.data)
        except StaleRecordError as exc:
            db.session.rollback()
            stale = exc
        except services.ValidationFailed as exc:
            db.session.rollback()
            _apply_field_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("providers.detail", provider_id=provider.id))
    status = 409 if stale else (422 if form.errors else 200)
    return render_template("providers/form.html", form=form, provider=provider, stale=stale), status
