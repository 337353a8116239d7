"""The contract form: field validation only; the price accepts Swedish notation ("3 000,50")."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from vendor_registry.codes import ContractKind
from vendor_registry.forms_common import (
    AppForm,
    IsoDateField,
    SwedishDecimalField,
    TextAreaField,
    VersionField,
    input_required,
    required,
)
from vendor_registry.labels import choices


class ContractForm(AppForm):
    kind = SelectField(_l("Avtalsform"))
    reference = StringField(_l("Referens eller diarienummer"),
                            validators=[required(_l("Ange avtalets referens eller diarienummer.")), Length(max=100)])
    starts_on = IsoDateField(_l("Startdatum"), validators=[input_required(_l("Ange avtalets startdatum."))],
                             description=_l("Format ÅÅÅÅ-MM-DD."))
    ends_on = IsoDateField(_l("Slutdatum"), validators=[Optional()],
                           description=_l("Lämna tomt om avtalet löper tills vidare. Format ÅÅÅÅ-MM-DD."))
    price_per_day = SwedishDecimalField(_l("Pris per dygn (kr)"), validators=[Optional()],
                                        description=_l("Till exempel 3 000 eller 3 000,50."))
    scope = TextAreaField(_l("Omfattning"), validators=[Optional(), Length(max=5000)])
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(ContractKind)

    def to_data(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name not in ("csrf_token", "version")}
