"""Licence forms under a provider: register, edit, delete. Thin: validate → service → commit."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vendor_registry import editing
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.background_checks.evidence import document_choices
from vendor_registry.licences import queries, services
from vendor_registry.licences.forms import LicenceForm
from vendor_registry.providers.queries import get_provider_or_404

bp = Blueprint("licences", __name__, url_prefix="/providers/<int:provider_id>/licences")


def _back(provider_id: int):
    return redirect(url_for("providers.detail", provider_id=provider_id, _anchor="licences"))


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def create(provider_id: int):
    provider = get_provider_or_404(provider_id)
    form = LicenceForm(evidence_choices=document_choices(provider.id, current_user))
    if form.validate_on_submit() and editing.save(form, lambda: services.create_licence(provider, form.to_data()),
                                                  _("Tillståndet är registrerat.")).saved:
        return _back(provider.id)
    status = editing.page_status(form)
    return render_template("licences/form.html", form=form, provider=provider, licence=None), status


@bp.route("/<int:licence_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def edit(provider_id: int, licence_id: int):
    provider = get_provider_or_404(provider_id)
    licence = queries.get_licence_or_404(provider_id, licence_id)
    options = document_choices(provider.id, current_user, licence.evidence_document_id)
    form = (LicenceForm(obj=licence, evidence_choices=options) if request.method == "GET"
            else LicenceForm(evidence_choices=options))
    stale = None
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: services.update_licence(licence, form.to_data(), form.version.data),
                               _("Ändringarna är sparade."))
        if outcome.saved:
            return _back(provider.id)
        stale = outcome.stale
    status = editing.page_status(form, stale)
    return render_template("licences/form.html", form=form, provider=provider, licence=licence,
                           stale=stale), status


@bp.route("/<int:licence_id>/delete", methods=["POST"])
@require(Permission.EDIT_PROVIDERS)
def delete(provider_id: int, licence_id: int):
    licence = queries.get_licence_or_404(provider_id, licence_id)
    if not editing.delete(lambda: services.delete_licence(licence, request.form.get("version")),
                          _("Tillståndet är borttaget."),
                          _("Tillståndet har ändrats av någon annan sedan du öppnade sidan. Kontrollera det och försök igen.")):
        return redirect(url_for("licences.edit", provider_id=provider_id, licence_id=licence_id)), 303
    return _back(provider_id)
