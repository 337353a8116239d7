"""The methods a provider offers: add, edit, remove under the provider's page.

(The method and service-area catalogue pages are a separate blueprint.)
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from vendor_registry import editing
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.extensions import db
from vendor_registry.methods import services
from vendor_registry.methods.forms import OfferedMethodForm
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.methods.queries import active_methods
from vendor_registry.providers.queries import get_provider_or_404

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
    if form.validate_on_submit() and editing.save(form, lambda: services.add_offered_method(provider, form.to_data()),
                                                  _("Metoden är tillagd.")).saved:
        return _back(provider.id)
    status = editing.page_status(form)
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
        outcome = editing.save(form, lambda: services.update_offered_method(offered, form.to_data(), form.version.data),
                               _("Ändringarna är sparade."))
        if outcome.saved:
            return _back(provider.id)
        stale = outcome.stale
    status = editing.page_status(form, stale)
    return render_template("methods/_offered_form.html", form=form, provider=provider, offered=offered,
                           stale=stale), status


@bp.route("/<int:offered_id>/delete", methods=["POST"])
@require(Permission.EDIT_PROVIDERS)
def delete(provider_id: int, offered_id: int):
    offered = _offered_or_404(provider_id, offered_id)
    if not editing.delete(lambda: services.remove_offered_method(offered, request.form.get("version")),
                          _("Metoden är borttagen från utföraren."),
                          _("Raden har ändrats av någon annan sedan du öppnade sidan. Kontrollera den och försök igen.")):
        return redirect(url_for("offered_methods.edit", provider_id=provider_id, offered_id=offered_id)), 303
    return _back(provider_id)
