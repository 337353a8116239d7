"""The review form: field validation only; the domain rules live in reviews/services.py."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, Optional

from vendor_registry.codes import RatingDimension, ReviewOutcome
from vendor_registry.forms_common import (
    AppForm,
    IsoDateField,
    OptionalSelectField,
    TextAreaField,
    VersionField,
    input_required,
    required,
)
from vendor_registry.labels import choices, label, lazy_label

RATING_LABELS = {
    1: _l("1 – Mycket bristfälligt"),
    2: _l("2 – Bristfälligt"),
    3: _l("3 – Godtagbart"),
    4: _l("4 – Bra"),
    5: _l("5 – Mycket bra"),
}
PRIVACY_HINT = _l(
    "Uppföljningen gäller utförarens arbete, inte den placerade personen. Skriv inga uppgifter om personen: "
    "inga namn, personnummer eller placeringsadresser."
)


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


DATE_PARSE_MESSAGE = _l("Ange datum som ÅÅÅÅ-MM-DD.")


class ActionForm(Form):
    """One required action; a sub-form without its own CSRF token."""

    id = HiddenField()
    description = StringField(_l("Åtgärd"), validators=[Optional(), Length(max=500)])
    deadline = IsoDateField(_l("Sista dag"), validators=[Optional()], parse_message=DATE_PARSE_MESSAGE)


class ReviewForm(AppForm):
    kind = SelectField(_l("Typ av uppföljning"), validators=[required(_l("Välj typ av uppföljning."))])
    performed_on = IsoDateField(_l("Datum"), validators=[input_required(_l("Ange datum för uppföljningen."))],
                                description=_l("ÅÅÅÅ-MM-DD"), parse_message=DATE_PARSE_MESSAGE)
    contract_id = OptionalSelectField(_l("Avtal"), coerce=_int_or_none,
                                      description=_l("Välj avtalet uppföljningen gäller, om något."))
    rating_delivered_as_agreed = OptionalSelectField(lazy_label(RatingDimension.DELIVERED_AS_AGREED), coerce=_int_or_none)
    rating_staff_competence = OptionalSelectField(lazy_label(RatingDimension.STAFF_COMPETENCE), coerce=_int_or_none)
    rating_safety = OptionalSelectField(lazy_label(RatingDimension.SAFETY), coerce=_int_or_none)
    rating_cooperation = OptionalSelectField(lazy_label(RatingDimension.COOPERATION), coerce=_int_or_none)
    rating_documentation = OptionalSelectField(lazy_label(RatingDimension.DOCUMENTATION), coerce=_int_or_none)
    outcome = SelectField(_l("Resultat"), validators=[required(_l("Välj ett resultat."))])
    summary = TextAreaField(_l("Sammanfattning"), validators=[Optional(), Length(max=5000)],
                            description=PRIVACY_HINT)
    evidence_document_id = OptionalSelectField(_l("Underlag (uppladdad fil)"), coerce=_int_or_none,
                                               description=_l("T.ex. besöksrapport eller protokoll som laddats "
                                                              "upp med Ladda upp underlag."))
    actions = FieldList(FormField(ActionForm), min_entries=1, max_entries=50)
    version = VersionField()
    save = SubmitField(_l("Spara"))
    add_action = SubmitField(_l("Lägg till en åtgärd"))

    RATING_FIELDS = ("rating_delivered_as_agreed", "rating_staff_competence", "rating_safety",
                     "rating_cooperation", "rating_documentation")

    def __init__(self, *args, kinds=(), contracts=(), evidence_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.evidence_document_id.choices = list(evidence_choices) or [("", _l("Ingen fil"))]
        self.kind.choices = [(kind.value, label(kind)) for kind in kinds]
        self.outcome.choices = [("", _l("Välj resultat"))] + choices(ReviewOutcome)
        self.contract_id.choices = [("", _l("Inget avtal"))] + [
            (str(c.id), f"{c.reference} ({label(c.kind)})") for c in contracts
        ]
        rating_choices = [("", _l("Ej bedömt"))] + [(str(n), text) for n, text in RATING_LABELS.items()]
        for name in self.RATING_FIELDS:
            self[name].choices = rating_choices

    def rating_fields(self):
        return [self[name] for name in self.RATING_FIELDS]

    def to_data(self) -> dict:
        data = {name: self[name].data for name in ("kind", "performed_on", "contract_id", "outcome", "summary",
                                                   "evidence_document_id")}
        data.update({name: self[name].data for name in self.RATING_FIELDS})
        data["actions"] = [entry.form.data for entry in self.actions]
        return data

    @classmethod
    def initial_from(cls, review) -> dict:
        return {"version": review.version, "kind": review.kind.value, "outcome": review.outcome.value}


class PublishForm(AppForm):
    """Publishing a review for the other organisations: the page shows exactly what they will see."""

    include_summary = BooleanField(_l("Ta med sammanfattningen"), default=True,
                                   description=_l("Andra organisationer ser då texten ovan. Den får inte "
                                                  "innehålla något som kan peka ut en person."))
    publish = SubmitField(_l("Publicera för andra organisationer"))
