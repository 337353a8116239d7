"""The base of every form, and field types shared by every feature's forms (multi-choice
checkboxes, optional selects, dates, whole numbers and prices whose parse errors are Swedish
sentences, free-text lists).

WTForms' own parse errors ("Not a valid date value") are English and untranslated; the
parsing subclasses here keep the same behaviour and speak the user's language.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms import TextAreaField as _WTFormsTextArea
from wtforms.validators import DataRequired, InputRequired, ValidationError

from vendor_registry.parsing import parse_swedish_decimal
from vendor_registry.text import refused_in

CONTROL_CHARACTERS = _l("Texten innehåller otillåtna kontrolltecken.")


class AppForm(FlaskForm):
    """Every form of the app derives from this one (a test walks FlaskForm's subclasses).

    It refuses control characters in whatever the user sent for any field, nested rows
    included (``text.refused_in``: a NUL made a PostgreSQL save a 500, an ESC every later XLSX
    export), an uploaded file's name included. A textarea may hold tabs and line breaks, a
    one-line field not. Passwords are exempt: they are only hashed, never stored or shown.
    """

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return _refuse_control_characters(self) and valid


def _refuse_control_characters(form) -> bool:
    ok = True
    for field in form:
        if isinstance(field, FormField):
            ok = _refuse_control_characters(field.form) and ok
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    ok = _refuse_control_characters(entry.form) and ok
                else:
                    ok = _refuse_field(entry) and ok
        else:
            ok = _refuse_field(field) and ok
    return ok


def _refuse_field(field) -> bool:
    if isinstance(field, PasswordField):
        return True
    multiline = isinstance(field, _WTFormsTextArea)
    # an uploaded file's name is kept with the document (and sent back on download): one-line text
    sent = (value if isinstance(value, str) else getattr(value, "filename", None) for value in field.raw_data or ())
    if any(isinstance(value, str) and refused_in(value, multiline) for value in sent):
        field.errors = [*field.errors, CONTROL_CHARACTERS]
        return False
    return True


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


class TextAreaField(_WTFormsTextArea):
    """A textarea whose line breaks are kept as ``\n``, whatever the browser sends.

    Browsers submit every line break of a textarea as CRLF; stored as sent, a text saved
    unchanged would differ from the one on record (an audit event and a version bump for
    nothing). Every form's textarea is this one.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.replace("\r\n", "\n").replace("\r", "\n")


class LineListField(TextAreaField):
    """A list of free-text values edited as one value per line.

    The field's data is always a list, both when it is filled from a record and when it is
    parsed from a submitted form, and it is rendered back one value per line. A line is the
    only separator, so values containing commas, quotes or any letters round-trip exactly:
    opening an edit form and saving it unchanged gives back the same list. (A comma-separated
    text box cannot: a value with a comma splits, and a list put into a text input renders as
    its Python repr, which the next save stored as new values.)
    """

    def __init__(self, *args, max_items: int | None = None, max_length: int | None = None,
                 forbidden: str = "", **kwargs):
        kwargs.setdefault("render_kw", {"rows": 3})
        super().__init__(*args, **kwargs)
        self.max_items, self.max_length, self.forbidden = max_items, max_length, forbidden

    def process_data(self, value):
        self.data = [str(v) for v in value] if value else []

    def process_formdata(self, valuelist):
        if valuelist:
            lines = (line.strip() for line in valuelist[0].splitlines())
            self.data = list(dict.fromkeys(line for line in lines if line))

    def _value(self):
        return "\n".join(self.data or [])

    def pre_validate(self, form):
        if self.max_items is not None and len(self.data) > self.max_items:
            raise ValidationError(_l("Ange högst %(n)s värden.", n=self.max_items))
        for value in self.data:
            if self.max_length is not None and len(value) > self.max_length:
                raise ValidationError(_l("Varje rad får ha högst %(n)s tecken: %(value)s",
                                         n=self.max_length, value=value))
            bad = [c for c in self.forbidden if c in value]
            if bad:
                raise ValidationError(_l("Tecknet %(char)s får inte användas: %(value)s",
                                         char=bad[0], value=value))


class VersionField(HiddenField):
    """The record version the user started editing from (optimistic locking)."""


def int_or_none(value):
    """Coerce for a select of record ids whose empty choice means none."""
    if value in (None, "", "None"):
        return None
    return int(value)


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
