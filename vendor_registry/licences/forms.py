"""The licence form: field validation only (dates and codes are also checked by the service)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional

from vendor_registry.codes import LicenceForm as LicenceFormCode
from vendor_registry.codes import LicenceKind, LicenceStatus, VerificationMethod
from vendor_registry.forms_common import (
    AppForm,
    IsoDateField,
    OptionalSelectField,
    TextAreaField,
    VersionField,
    int_or_none,
)
from vendor_registry.labels import choices

DATE_HINT = _l("Format ÅÅÅÅ-MM-DD.")


class LicenceForm(AppForm):
    kind = SelectField(_l("Typ av verksamhet"))
    form = SelectField(_l("Form"), description=_l("Tillstånd eller anmälan hos IVO."))
    status = SelectField(_l("Status"))
    ivo_reference = StringField(_l("Diarienummer hos IVO"), validators=[Optional(), Length(max=60)])
    scope = TextAreaField(_l("Omfattning och målgrupp"), validators=[Optional(), Length(max=2000)])
    granted_on = IsoDateField(_l("Beslutsdatum"), validators=[Optional()], description=DATE_HINT,
                           render_kw={"autocomplete": "off"})
    ends_on = IsoDateField(_l("Gäller till och med"), validators=[Optional()],
                        description=_l("Lämna tomt om tillståndet gäller tills vidare. Format ÅÅÅÅ-MM-DD."))
    verified = BooleanField(_l("Jag har verifierat tillståndet nu"),
                            description=_l("Kryssa i när du själv har kontrollerat uppgifterna. Ange då hur och underlaget."))
    verification_method = OptionalSelectField(_l("Hur verifierades det?"))
    evidence = StringField(_l("Underlag (länk eller dokumentreferens)"), validators=[Optional(), Length(max=500)])
    evidence_document_id = OptionalSelectField(_l("Underlag (uppladdad fil)"), coerce=int_or_none,
                                               description=_l("En fil som laddats upp med Ladda upp underlag."))
    notes = TextAreaField(_l("Anteckningar"), validators=[Optional(), Length(max=5000)])
    version = VersionField()

    def __init__(self, *args, evidence_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_document_id.choices = list(evidence_choices) or [("", _l("Ingen fil"))]
        self.kind.choices = choices(LicenceKind)
        self.form.choices = choices(LicenceFormCode)
        self.status.choices = choices(LicenceStatus)
        self.verification_method.choices = [("", _l("Välj sätt"))] + choices(VerificationMethod)

    def to_data(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name not in ("csrf_token", "version")}
