"""Contract forms under a provider: register, edit, delete. Thin: validate → service → commit."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vendor_registry import editing
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.contracts import queries, services
from vendor_registry.contracts.forms import ContractForm
from vendor_registry.providers.queries import get_provider_or_404

bp = Blueprint("contracts", __name__, url_prefix="/providers/<int:provider_id>/contracts")


def _back(provider_id: int):
    return redirect(url_for("providers.detail", provider_id=provider_id, _anchor="contracts"))


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def create(provider_id: int):
    provider = get_provider_or_404(provider_id)
    form = ContractForm()
    if form.validate_on_submit() and editing.save(form, lambda: services.create_contract(provider, form.to_data()),
                                                  _("Avtalet är registrerat.")).saved:
        return _back(provider.id)
    status = editing.page_status(form)
    return render_template("contracts/form.html", form=form, provider=provider, contract=None), status


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_PROVIDERS)
def edit(provider_id: int, contract_id: int):
    provider = get_provider_or_404(provider_id)
    contract = queries.get_contract_or_404(provider_id, contract_id)
    form = ContractForm(obj=contract) if request.method == "GET" else ContractForm()
    stale = None
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: services.update_contract(contract, form.to_data(), form.version.data),
                               _("Ändringarna är sparade."))
        if outcome.saved:
            return _back(provider.id)
        stale = outcome.stale
    status = editing.page_status(form, stale)
    return render_template("contracts/form.html", form=form, provider=provider, contract=contract,
                           stale=stale), status


@bp.route("/<int:contract_id>/delete", methods=["POST"])
@require(Permission.EDIT_PROVIDERS)
def delete(provider_id: int, contract_id: int):
    contract = queries.get_contract_or_404(provider_id, contract_id)
    if not editing.delete(lambda: services.delete_contract(contract, request.form.get("version")),
                          _("Avtalet är borttaget."),
                          _("Avtalet har ändrats av någon annan sedan du öppnade sidan. Kontrollera det och försök igen.")):
        return redirect(url_for("contracts.edit", provider_id=provider_id, contract_id=contract_id)), 303
    return _back(provider_id)
