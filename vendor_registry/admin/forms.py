"""Admin forms: field validation only; rules live in admin/services.py and methods/catalogue.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional, Regexp

from vendor_registry.auth.emails import ValidEmail
from vendor_registry.auth.passwords import HINT as PASSWORD_HINT
from vendor_registry.auth.passwords import PasswordPolicy
from vendor_registry.codes import EvidenceLevel, Role
from vendor_registry.forms_common import AppForm, TextAreaField, VersionField, required
from vendor_registry.labels import choices


class MethodForm(AppForm):
    name = StringField(_l("Namn"), validators=[required(_l("Ange metodens namn.")), Length(max=200)])
    short_name = StringField(_l("Kortnamn"), validators=[Optional(), Length(max=40)],
                             description=_l("T.ex. KSL eller MI."))
    description = TextAreaField(_l("Beskrivning"), validators=[Optional(), Length(max=5000)])
    evidence_level = SelectField(_l("Evidensnivå"))
    evidence_source = TextAreaField(_l("Källa för evidensbedömningen"), validators=[Optional(), Length(max=2000)],
                                    description=_l("Krävs när evidensnivån är bedömd."))
    active = BooleanField(_l("Aktiv i katalogen"), default=True)
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_level.choices = choices(EvidenceLevel)

    def to_data(self) -> dict:
        return {name: self[name].data for name in
                ("name", "short_name", "description", "evidence_level", "evidence_source", "active")}


class ServiceAreaForm(AppForm):
    code = StringField(_l("Kod"), validators=[
        required(_l("Ange en kod.")), Length(max=40),
        Regexp(r"^[a-z][a-z0-9_]*$",
               message=_l("Koden får bara innehålla små bokstäver a–z, siffror och understreck.")),
    ], description=_l("Lagras hos utförarna och kan inte ändras efteråt, t.ex. protection_housing."))
    name_sv = StringField(_l("Namn på svenska"), validators=[required(_l("Ange ett svenskt namn.")), Length(max=200)])
    name_en = StringField(_l("Namn på engelska"), validators=[required(_l("Ange ett engelskt namn.")), Length(max=200)])
    active = BooleanField(_l("Aktivt"), default=True)
    version = VersionField()

    def to_data(self) -> dict:
        return {name: self[name].data for name in ("code", "name_sv", "name_en", "active")}


class NewUserForm(AppForm):
    email = EmailField(_l("E-postadress"), validators=[required(_l("Ange en e-postadress.")),
                                                       ValidEmail()])
    name = StringField(_l("Namn"), validators=[required(_l("Ange ett namn.")), Length(max=200)])
    role = SelectField(_l("Roll"))
    password = PasswordField(_l("Första lösenord"), validators=[
        required(_l("Ange ett lösenord.")), PasswordPolicy(email_field="email", name_field="name"),
    ], description=PASSWORD_HINT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(Role)


class RoleForm(AppForm):
    role = SelectField(_l("Roll"))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(Role)


class SubjectForm(AppForm):
    """The account's subject at the municipality's identity provider (single sign-on by ``sub``)."""

    oidc_subject = StringField(_l("Identitet hos kommunens inloggningstjänst (sub)"),
                               validators=[Optional(), Length(max=255)],
                               description=_l("Exakt som inloggningstjänsten skickar den. Lämna tomt för att ta bort."))
    version = VersionField()


class VersionOnlyForm(AppForm):
    """Deactivate / reactivate: only the CSRF token and the version the admin saw."""

    version = VersionField()


class PolicyMatrixForm(AppForm):
    """CSRF only; the matrix cells are parsed by :func:`parse_policy_cells` (their number follows the codes)."""


def parse_policy_cells(formdata, kinds, check_types) -> tuple[dict, dict]:
    """(cells, errors): cells[(kind, type)] = {"required", "interval_days", "version"}; errors keyed by input id."""
    cells, errors = {}, {}
    for kind in kinds:
        for check_type in check_types:
            key = f"{kind.value}-{check_type.value}"
            raw = (formdata.get(f"interval-{key}") or "").strip()
            interval = None
            if raw:
                try:
                    interval = int(raw)
                except ValueError:
                    errors[f"interval-{key}"] = _l("Ange ett helt antal dagar.")
            cells[(kind, check_type)] = {
                "required": formdata.get(f"required-{key}") == "y",
                "interval_days": interval,
                "version": formdata.get(f"version-{key}"),
                "raw_interval": raw,
            }
    return cells, errors
