"""Form field types of the provider screens whose parse errors are Swedish sentences.

WTForms' own parse errors ("Not a valid date value") are English and untranslated; these
subclasses keep the same behaviour and speak the user's language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField

from vendor_registry.contracts.services import parse_swedish_decimal


class IsoDateField(DateField):
    """A YYYY-MM-DD date."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-31."))) from exc


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
