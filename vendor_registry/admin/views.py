"""Admin pages: method catalogue, service areas, check policy, users. Thin: validate → service → commit."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vendor_registry import editing
from vendor_registry.admin import forms, services
from vendor_registry.auth import throttle
from vendor_registry.auth.models import User
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.codes import CheckType, ProviderKind
from vendor_registry.editing import page_status
from vendor_registry.extensions import db
from vendor_registry.methods import catalogue
from vendor_registry.methods.models import Method, ServiceArea

bp = Blueprint("admin", __name__, url_prefix="/admin")



def _get_or_404(model, record_id: int):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


def _save(form, write, success: str, target: str):
    """Run ``write`` for a valid form; (response, stale) where response is the redirect on success."""
    if not form.validate_on_submit():
        return None, None
    outcome = editing.save(form, write, success)
    return (redirect(target) if outcome.saved else None), outcome.stale


@bp.route("/")
@require(Permission.ADMINISTER)
def index():
    return render_template("admin/index.html")


# --- method catalogue ----------------------------------------------------------------------

@bp.route("/methods")
@require(Permission.ADMINISTER)
def methods():
    return render_template("admin/methods.html", methods=catalogue.all_methods())


@bp.route("/methods/new", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def method_create():
    form = forms.MethodForm()
    response, _stale = _save(form, lambda: catalogue.create_method(form.to_data()),
                             _("Metoden är tillagd i katalogen."), url_for("admin.methods"))
    if response:
        return response
    return render_template("admin/method_form.html", form=form, method=None), page_status(form)


@bp.route("/methods/<int:method_id>/edit", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def method_edit(method_id: int):
    method = _get_or_404(Method, method_id)
    if request.method == "GET":
        form = forms.MethodForm(obj=method, data={"version": method.version})
    else:
        form = forms.MethodForm()
    response, stale = _save(form, lambda: catalogue.update_method(method, form.to_data(), form.version.data),
                            _("Ändringarna är sparade."), url_for("admin.methods"))
    if response:
        return response
    return render_template("admin/method_form.html", form=form, method=method, stale=stale), page_status(form, stale)


# --- service areas -------------------------------------------------------------------------

@bp.route("/service-areas")
@require(Permission.ADMINISTER)
def service_areas():
    return render_template("admin/service_areas.html", areas=services.all_service_areas())


@bp.route("/service-areas/new", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def service_area_create():
    form = forms.ServiceAreaForm()
    response, _stale = _save(form, lambda: services.create_service_area(form.to_data()),
                             _("Insatsområdet är tillagt."), url_for("admin.service_areas"))
    if response:
        return response
    return render_template("admin/service_area_form.html", form=form, area=None), page_status(form)


@bp.route("/service-areas/<int:area_id>/edit", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def service_area_edit(area_id: int):
    area = _get_or_404(ServiceArea, area_id)
    if request.method == "GET":
        form = forms.ServiceAreaForm(obj=area, data={"version": area.version})
    else:
        form = forms.ServiceAreaForm(data={"code": area.code})  # the code is shown, never edited
        form.code.data = area.code
    response, stale = _save(form, lambda: services.update_service_area(area, form.to_data(), form.version.data),
                            _("Ändringarna är sparade."), url_for("admin.service_areas"))
    if response:
        return response
    return render_template("admin/service_area_form.html", form=form, area=area, stale=stale), page_status(form, stale)


# --- check policy --------------------------------------------------------------------------

@bp.route("/check-policy", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def check_policy():
    form = forms.PolicyMatrixForm()
    kinds, check_types = list(ProviderKind), list(CheckType)
    cells, errors, stale = None, {}, None
    if form.validate_on_submit():
        cells, parse_errors = forms.parse_policy_cells(request.form, kinds, check_types)
        errors = {key: [message] for key, message in parse_errors.items()}
        if not errors:
            outcome = editing.save(form, lambda: services.update_check_policy(cells),
                                   lambda changed: _("Kontrollpolicyn är sparad (%(n)s ändringar).", n=changed),
                                   on_form=False)  # the cells are not form fields: the page shows ``errors``
            if outcome.saved:
                return redirect(url_for("admin.check_policy"))
            stale, errors = outcome.stale, outcome.errors
    status = 409 if stale else (422 if errors or form.errors else 200)
    return render_template("admin/check_policy.html", form=form, kinds=kinds, check_types=check_types,
                           matrix=services.policy_matrix(), cells=cells, errors=errors, stale=stale), status


# --- users ---------------------------------------------------------------------------------

@bp.route("/users")
@require(Permission.ADMINISTER)
def users():
    return render_template("admin/users.html", users=services.all_users())


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def user_create():
    form = forms.NewUserForm()
    response, _stale = _save(form, lambda: services.create_account(
        {"email": form.email.data, "name": form.name.data, "role": form.role.data, "password": form.password.data}
    ), _("Användaren är skapad."), url_for("admin.users"))
    if response:
        return response
    return render_template("admin/user_form.html", form=form), page_status(form)


def _user_page(user: User, role_form=None, state_form=None, stale=None, status=200, subject_form=None):
    role_form = role_form or forms.RoleForm(formdata=None, data={"role": user.role.value, "version": user.version})
    state_form = state_form or forms.VersionOnlyForm(formdata=None, data={"version": user.version})
    subject_form = subject_form or forms.SubjectForm(
        formdata=None, data={"oidc_subject": user.oidc_subject, "version": user.version})
    return render_template("admin/user.html", user=user, role_form=role_form, state_form=state_form,
                           subject_form=subject_form, stale=stale,
                           locked_until=throttle.lock_until(user.email)), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def user(user_id: int):
    """GET shows the account; POST changes its role."""
    account = _get_or_404(User, user_id)
    if request.method == "GET":
        return _user_page(account)
    form = forms.RoleForm()
    response, stale = _save(form, lambda: services.set_role(account, form.role.data, form.version.data),
                            _("Rollen är ändrad. Användarens pågående sessioner är avslutade."),
                            url_for("admin.user", user_id=user_id))
    return response or _user_page(account, role_form=form, stale=stale, status=page_status(form, stale))


def _change_state(user_id: int, write, success: str):
    account = _get_or_404(User, user_id)
    form = forms.VersionOnlyForm()
    response, stale = _save(form, lambda: write(account, form.version.data), success,
                            url_for("admin.user", user_id=user_id))
    return response or _user_page(account, state_form=form, stale=stale, status=page_status(form, stale))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@require(Permission.ADMINISTER)
def user_deactivate(user_id: int):
    return _change_state(user_id, lambda account, version: services.deactivate(account, version),
                         _("Kontot är inaktiverat och användarens sessioner är avslutade."))


@bp.route("/users/<int:user_id>/subject", methods=["POST"])
@require(Permission.ADMINISTER)
def user_subject(user_id: int):
    account = _get_or_404(User, user_id)
    form = forms.SubjectForm()
    response, stale = _save(form, lambda: services.set_subject(account, form.oidc_subject.data, form.version.data),
                            _("Identiteten hos kommunens inloggningstjänst är sparad."),
                            url_for("admin.user", user_id=user_id))
    return response or _user_page(account, subject_form=form, stale=stale, status=page_status(form, stale))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@require(Permission.ADMINISTER)
def user_reactivate(user_id: int):
    return _change_state(user_id, services.reactivate, _("Kontot är aktiverat igen."))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@require(Permission.ADMINISTER)
def user_unlock(user_id: int):
    return _change_state(user_id, services.unlock_sign_in,
                         _("Inloggningsspärren är hävd. Användaren kan logga in igen."))
