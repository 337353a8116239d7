"""The methods a provider offers: add, edit, remove under the provider's page.

(The method and service-area catalogue pages are a separate blueprint.)
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from vendor_registry.auth.permissions import Permission, require
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.extensions import db
from vendor_registry.methods import services
from vendor_registry.methods.forms import OfferedMethodForm
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.methods.queries import active_methods
from vendor_registry.providers.form_errors import apply_field_errors
from vendor_registry.providers.queries import get_provider_or_404
from vendor_registry.providers.services import ValidationFailed

bp = Blueprint("offered_methods", __name__, url_prefix="/providers/<int:provider_id>/methods")


def _back(provider_id: int):
    return redirect(url_for("providers.detail", provider_id=provider_id, _anchor="methods"))


def _offered_or_404(provider_id: int, offered_id: int) -> ProviderMethod:
    return db.first_or_404(select(ProviderMethod).where(ProviderMethod.id == offered_id,
                                                        ProviderMethod.provider_id == provider_id))


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def create(provider_id: int):
    provider = get_provider_or_404(provider_id)
    form = OfferedMethodForm(method_choices=[(m.id, m.name) for m in active_methods()])
    if form.validate_on_submit():
        try:
            services.add_offered_method(provider, form.to_data())
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Metoden är tillagd."), "success")
            return _back(provider.id)
    status = 422 if form.errors else 200
    return render_template("methods/_offered_form.html", form=form, provider=provider, offered=None), status


@bp.route("/<int:offered_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def edit(provider_id: int, offered_id: int):
    provider = get_provider_or_404(provider_id)
    offered = _offered_or_404(provider_id, offered_id)
    form = (OfferedMethodForm(obj=offered, editing=True) if request.method == "GET"
            else OfferedMethodForm(editing=True))
    stale = None
    if form.validate_on_submit():
        try:
            services.update_offered_method(offered, form.to_data(), form.version.data)
        except StaleRecordError as exc:
            db.session.rollback()
            stale = exc
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            return _back(provider.id)
    status = 409 if stale else (422 if form.errors else 200)
    return render_template("methods/_offered_form.html", form=form, provider=provider, offered=offered,
                           stale=stale), status


@bp.route("/<int:offered_id>/delete", methods=["POST"])
@require(Permission.EDIT_PROVIDERS)
def delete(provider_id: int, offered_id: int):
    offered = _offered_or_404(provider_id, offered_id)
    try:
        services.remove_offered_method(offered, request.form.get("version"))
    except StaleRecordError:
        db.session.rollback()
        flash(_("Raden har ändrats av någon annan sedan du öppnade sidan. Kontrollera den och försök igen."),
              "warning")
        return redirect(url_for("offered_methods.edit", provider_id=provider_id, offered_id=offered_id)), 303
    db.session.commit()
    flash(_("Metoden är borttagen från utföraren."), "success")
    return _back(provider_id)
