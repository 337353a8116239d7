"""Field types shared by every feature's forms (multi-choice checkboxes, optional selects)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, widgets
from wtforms.validators import DataRequired, InputRequired


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
