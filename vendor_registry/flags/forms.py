"""Forms for acting on a flag: field validation only (the rules live in services.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import Length, Optional

from vendor_registry.forms_common import TextAreaField, VersionField, required


class AcknowledgeForm(FlaskForm):
    comment = TextAreaField(_l("Kommentar"), validators=[required(_l("Skriv en kommentar.")), Length(max=2000)],
                            description=_l("Vad görs åt avvikelsen, och av vem?"))
    snoozed_until = DateField(_l("Skjut upp till och med"), validators=[Optional()],
                              description=_l("Valfritt, högst 90 dagar fram. Därefter blir avvikelsen öppen igen."))
    version = VersionField()


class AssignForm(FlaskForm):
    assignee_id = SelectField(_l("Ansvarig"), coerce=lambda v: int(v) if v else None, validate_choice=True)
    version = VersionField()


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("Vad har gjorts?"), validators=[required(_l("Skriv vad som har gjorts.")),
                                                             Length(max=2000)])
    # "1" once the person has seen the warning that the condition still holds and confirms.
    confirmed = HiddenField()
    version = VersionField()


class DismissForm(FlaskForm):
    justification = TextAreaField(
        _l("Motivering"),
        validators=[required(_l("Skriv en motivering till varför avvikelsen avfärdas.")),
                    Length(min=10, max=2000, message=_l("Motiveringen måste vara minst 10 tecken."))],
        description=_l("Avvikelsen visas inte igen så länge villkoret gäller. Motiveringen sparas i loggen."))
    version = VersionField()
