"""Field types shared by every feature's forms (multi-choice checkboxes, optional selects,
dates, whole numbers and prices whose parse errors are Swedish sentences).

WTForms' own parse errors ("Not a valid date value") are English and untranslated; the
parsing subclasses here keep the same behaviour and speak the user's language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired

from vendor_registry.parsing import parse_swedish_decimal


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes; templates render it inside a fieldset with a legend."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class OptionalSelectField(SelectField):
    """A select whose empty choice means None."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", lambda v: v or None)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.data is None:
            return
        super().pre_validate(form)


class VersionField(HiddenField):
    """The record version the user started editing from (optimistic locking)."""


def required(message=None):
    return DataRequired(message or _l("Uppgiften är obligatorisk."))


def input_required(message=None):
    return InputRequired(message or _l("Uppgiften är obligatorisk."))


class IsoDateField(DateField):
    """A YYYY-MM-DD date; ``parse_message`` is what the user reads when it is not one."""

    def __init__(self, *args, parse_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parse_message = parse_message or _l("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-31.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(self.parse_message)) from exc


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Ange ett heltal, till exempel 4."))) from exc


class SwedishDecimalField(StringField):
    """A money amount typed the Swedish way ("3 000,50"); ``data`` is a Decimal or None."""

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        try:
            self.data = parse_swedish_decimal(raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(_l("Ange priset som ett tal, till exempel 3 000,50."))) from exc

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:f}".replace(".", ",")
