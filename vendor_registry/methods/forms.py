"""Forms for the methods a provider offers: field validation only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Length, NumberRange, Optional

from vendor_registry.forms_common import (
    AppForm,
    IsoDateField,
    TextAreaField,
    VersionField,
    WholeNumberField,
)


class OfferedMethodForm(AppForm):
    method_id = SelectField(_l("Metod"), coerce=int)
    trained_staff = WholeNumberField(_l("Antal utbildade medarbetare"), default=0, validators=[
        Optional(), NumberRange(min=0, max=10000, message=_l("Ange ett antal mellan 0 och 10 000."))])
    certification_ends_on = IsoDateField(_l("Certifieringen gäller till"), validators=[Optional()],
                                         description=_l("Lämna tomt om metoden inte kräver certifiering. Format ÅÅÅÅ-MM-DD."))
    notes = TextAreaField(_l("Anteckningar"), validators=[Optional(), Length(max=2000)])
    version = VersionField()

    def __init__(self, *args, method_choices=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.method_id.choices = [(0, _l("Välj metod"))] + list(method_choices)
        if editing:  # the method of an existing row is fixed; it is shown, not chosen
            del self.method_id

    def validate_method_id(self, field):
        from wtforms import ValidationError

        if not field.data:
            raise ValidationError(_l("Välj en metod i listan."))

    def to_data(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name not in ("csrf_token", "version")}
