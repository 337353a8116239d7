"""Licence forms under a provider: register, edit, delete. Thin: validate → service → commit."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vendor_registry.auth.permissions import Permission, require
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.extensions import db
from vendor_registry.licences import queries, services
from vendor_registry.licences.forms import LicenceForm
from vendor_registry.providers.form_errors import apply_field_errors
from vendor_registry.providers.queries import get_provider_or_404
from vendor_registry.providers.services import ValidationFailed

bp = Blueprint("licences", __name__, url_prefix="/providers/<int:provider_id>/licences")


def _back(provider_id: int):
    return redirect(url_for("providers.detail", provider_id=provider_id, _anchor="licences"))


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def create(provider_id: int):
    provider = get_provider_or_404(provider_id)
    form = LicenceForm()
    if form.validate_on_submit():
        try:
            services.create_licence(provider, form.to_data())
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Tillståndet är registrerat."), "success")
            return _back(provider.id)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("licences/form.html", form=form, provider=provider, licence=None), status


@bp.route("/<int:licence_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def edit(provider_id: int, licence_id: int):
    provider = get_provider_or_404(provider_id)
    licence = queries.get_licence_or_404(provider_id, licence_id)
    form = LicenceForm(obj=licence) if request.method == "GET" else LicenceForm()
    stale = None
    if form.validate_on_submit():
        try:
            services.update_licence(licence, form.to_data(), form.version.data)
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
    status = 409 if stale else (422 if form.errors or form.form_errors else 200)
    return render_template("licences/form.html", form=form, provider=provider, licence=licence,
                           stale=stale), status


@bp.route("/<int:licence_id>/delete", methods=["POST"])
@require(Permission.EDIT_PROVIDERS)
def delete(provider_id: int, licence_id: int):
    licence = queries.get_licence_or_404(provider_id, licence_id)
    try:
        services.delete_licence(licence, request.form.get("version"))
    except StaleRecordError:
        db.session.rollback()
        flash(_("Tillståndet har ändrats av någon annan sedan du öppnade sidan. Kontrollera det och försök igen."),
              "warning")
        return redirect(url_for("licences.edit", provider_id=provider_id, licence_id=licence_id)), 303
    db.session.commit()
    flash(_("Tillståndet är borttaget."), "success")
    return _back(provider_id)
