"""Forms for acting on a flag: field validation only (the rules live in services.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import Length, Optional

from vendor_registry.forms_common import AppForm, TextAreaField, VersionField, required


class AcknowledgeForm(AppForm):
    comment = TextAreaField(_l("Kommentar"), validators=[required(_l("Skriv en kommentar.")), Length(max=2000)],
                            description=_l("Vad görs åt avvikelsen, och av vem?"))
    snoozed_until = DateField(_l("Skjut upp till och med"), validators=[Optional()],
                              description=_l("Valfritt, högst 90 dagar fram. Därefter blir avvikelsen öppen igen."))
    version = VersionField()


class AssignForm(AppForm):
    assignee_id = SelectField(_l("Ansvarig"), coerce=lambda v: int(v) if v else None, validate_choice=True)
    version = VersionField()


class ResolveForm(AppForm):
    note = TextAreaField(_l("Vad har gjorts?"), validators=[required(_l("Skriv vad som har gjorts.")),
                                                             Length(max=2000)])
    # "1" once the person has seen the warning that the condition still holds and confirms.
    confirmed = HiddenField()
    version = VersionField()


class DismissForm(AppForm):
    justification = TextAreaField(
        _l("Motivering"),
        validators=[required(_l("Skriv en motivering till varför avvikelsen avfärdas.")),
                    Length(min=10, max=2000, message=_l("Motiveringen måste vara minst 10 tecken."))],
        description=_l("Avvikelsen visas inte igen så länge villkoret gäller. Motiveringen sparas i loggen."))
    version = VersionField()


class BulkForm(AppForm):
    """The queue's bulk form. The selected rows come as repeated ``selected`` checkboxes (read in
    the view); what an action requires (a comment to acknowledge) is checked in ``flags.bulk``."""

    action = SelectField(_l("Åtgärd"), choices=[("acknowledge", _l("Kvittera")), ("assign", _l("Tilldela"))],
                         validate_choice=True)
    comment = TextAreaField(_l("Kommentar"), validators=[Length(max=2000)],
                            description=_l("Sparas i varje markerad avvikelse. Krävs för att kvittera."))
    snoozed_until = DateField(_l("Skjut upp till och med"), validators=[Optional()],
                              description=_l("Valfritt, högst 90 dagar fram."))
    assignee_id = SelectField(_l("Ansvarig"), coerce=lambda v: int(v) if v else None, validate_choice=True)
