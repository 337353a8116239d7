"""Forms for recording checks, uploading evidence and importing an IVO extract (input only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from vendor_registry.codes import CheckOutcome, CheckType
from vendor_registry.forms_common import (
    AppForm,
    OptionalSelectField,
    TextAreaField,
    int_or_none,
    required,
)
from vendor_registry.labels import label

MANUAL_TYPE_CHOICES = [(t.value, label(t)) for t in CheckType if not t.automatic]
MANUAL_RESULT_CHOICES = [(r.value, label(r)) for r in (CheckOutcome.PASS, CheckOutcome.CONCERN,
                                                        CheckOutcome.FAIL)]
AUTOMATIC_TYPE_CHOICES = [(t.value, label(t)) for t in CheckType if t.automatic]


class ManualCheckForm(AppForm):
    check_type = SelectField(_l("Kontrolltyp"), choices=MANUAL_TYPE_CHOICES, validators=[required()])
    performed_on = DateField(_l("Datum för kontrollen"), validators=[required(_l("Ange datum som ÅÅÅÅ-MM-DD."))],
                             description=_l("ÅÅÅÅ-MM-DD"))
    result = SelectField(_l("Resultat"), choices=MANUAL_RESULT_CHOICES, validators=[required()])
    summary = TextAreaField(_l("Sammanfattning"), validators=[required(), Length(max=5000)],
                            description=_l("Vad visade kontrollen? Skriv inga uppgifter om enskilda "
                                           "personer som får stöd."))
    evidence = StringField(_l("Underlag (referens)"), validators=[Optional(), Length(max=500)],
                           description=_l("T.ex. diarienummer, intygets datum eller var handlingen finns."))
    document = FileField(_l("Underlag (fil)"),
                         description=_l("PDF, PNG eller JPEG. Filtypen kontrolleras utifrån innehållet."))
    evidence_document_id = OptionalSelectField(
        _l("Eller ett redan uppladdat underlag"), coerce=int_or_none,
        description=_l("Används när ingen ny fil väljs ovan."))
    next_due_on = DateField(_l("Nästa kontroll senast"), validators=[Optional()],
                            description=_l("Lämna tomt för att använda intervallet i kontrollpolicyn."))
    shareable = BooleanField(_l("Dela kontrollen med andra organisationer"), default=False,
                             description=_l("Andra organisationer ser då kontrolltyp, datum, resultat, sammanfattning "
                                            "och referens, med er organisations namn. Filen och vem som gjorde "
                                            "kontrollen delas inte."))

    def __init__(self, *args, evidence_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_document_id.choices = list(evidence_choices) or [("", _l("Ingen fil"))]

    def to_data(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "check_type", "performed_on", "result", "summary", "evidence", "next_due_on", "evidence_document_id",
            "shareable")}


class EvidenceUploadForm(AppForm):
    document = FileField(_l("Fil"), description=_l("PDF, PNG eller JPEG. Filtypen kontrolleras utifrån innehållet."))
    description = StringField(_l("Beskrivning"), validators=[Optional(), Length(max=300)],
                              description=_l("T.ex. tillståndsbevis, svar från IVO, försäkringsbrev, "
                                             "undertecknad försäkran."))


class RunCheckForm(AppForm):
    check_type = SelectField(_l("Kontrolltyp"), choices=AUTOMATIC_TYPE_CHOICES, validators=[required()])


class ExtractUploadForm(AppForm):
    file = FileField(_l("Registerutdrag (CSV eller xlsx)"),
                     description=_l("Filen som IVO skickat. Inget sparas förrän du har granskat resultatet."))


class ExtractApplyForm(AppForm):
    key = HiddenField(validators=[required(), Regexp(r"^[0-9a-f]{32}$")])
    sha256 = HiddenField(validators=[required(), Regexp(r"^[0-9a-f]{64}$")])
    filename = HiddenField(validators=[Optional(), Length(max=255)])
