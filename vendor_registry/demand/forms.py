"""Demand forms: the profile editor (rows without JavaScript) and the ad hoc need.

Field validation only; the requirement values are checked by ``services.validate_requirements``
so that the form, the demo data and the API share one set of rules and messages.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, NumberRange, Optional

from vendor_registry.codes import (
    HousingForm,
    LicenceKind,
    ProviderKind,
    RequirementKind,
    TargetGroup,
    ThreatLevel,
)
from vendor_registry.forms_common import (
    AppForm,
    MultiCheckboxField,
    OptionalSelectField,
    TextAreaField,
    VersionField,
    required,
)
from vendor_registry.labels import choices, county_choices

MANDATORY, WEIGHTED = "mandatory", "weighted"
MAX_ROWS = 40


def mode_choices():
    return [(MANDATORY, _l("Ska-krav")), (WEIGHTED, _l("Bör-krav"))]


class RequirementRowForm(Form):
    kind = SelectField(_l("Kravtyp"), default="")
    value = StringField(_l("Värde"), validators=[Optional(), Length(max=200)])
    mode = SelectField(_l("Ska eller bör"), default=MANDATORY)
    weight = StringField(_l("Vikt (1–10)"), default="", validators=[Optional(), Length(max=3)])
    remove = BooleanField(_l("Ta bort"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Välj kravtyp"))] + choices(RequirementKind)
        self.mode.choices = mode_choices()

    def to_dict(self) -> dict | None:
        """None for an empty or removed row (a blank row is how the editor offers "one more")."""
        if self.remove.data or not (self.kind.data or "").strip():
            return None
        row = {"kind": self.kind.data, "value": self.value.data or ""}
        if self.mode.data == WEIGHTED:
            row["weight"] = (self.weight.data or "").strip()
        else:
            row["mandatory"] = True
        return row


class ProfileForm(AppForm):
    name = StringField(_l("Namn"), validators=[required(_l("Ange profilens namn.")), Length(max=200)],
                       description=_l("T.ex. Skyddat boende, vuxen med hotbild."))
    description = TextAreaField(_l("Beskrivning"), validators=[Optional(), Length(max=5000)],
                                description=_l("Skriv inget om enskilda personer."))
    requirements = FieldList(FormField(RequirementRowForm), min_entries=1, max_entries=MAX_ROWS)
    version = VersionField()
    add_row = SubmitField(_l("Lägg till krav"))
    save = SubmitField(_l("Spara"))

    def requirement_dicts(self) -> list[dict]:
        return [row for entry in self.requirements for row in [entry.form.to_dict()] if row is not None]

    def kept_rows(self) -> list[tuple[int, dict]]:
        """(row index, dict) for the rows that are sent to the service, to map errors back."""
        return [(i, row) for i, entry in enumerate(self.requirements)
                for row in [entry.form.to_dict()] if row is not None]

    @staticmethod
    def rows_from(profile) -> list[dict]:
        """Initial rows with the stored values, which the pickers show selected: opening a
        profile and saving it unchanged sends exactly what is stored (no new version)."""
        return [{"kind": str(r.kind.value), "value": r.value, "mode": MANDATORY if r.mandatory else WEIGHTED,
                 "weight": "" if r.mandatory else str(r.weight or "")} for r in profile.requirements]

    @staticmethod
    def template_row() -> RequirementRowForm:
        """An empty row named ``requirements-__index__-…``: the editor's <template> that the
        script clones and renumbers, so a new row is the same markup the server renders."""
        return RequirementRowForm(prefix="requirements-__index__-")


def _weighted_default(default: str):
    return SelectField(_l("Ska eller bör"), default=default, choices=mode_choices())


class MatchForm(AppForm):
    """The case's needs in the user's terms; read from the query string and never stored."""

    class Meta:
        csrf = False

    profile = SelectField(_l("Utgå från kravprofil"), default="",
                          description=_l("Valfritt. Profilens krav läggs till behoven nedan."))
    provider_kind = OptionalSelectField(_l("Verksamhetstyp"), description=_l(
        "Skyddat boende, HVB och stödboende räknas bara med gällande tillstånd eller anmälan hos IVO."))
    provider_kind_mode = _weighted_default(MANDATORY)
    licences = MultiCheckboxField(_l("Gällande tillstånd från IVO för"), description=_l(
        "Varje vald typ krävs. Ett återkallat eller upphört tillstånd utesluter alltid utföraren."))
    licences_mode = _weighted_default(MANDATORY)
    target_group = OptionalSelectField(_l("Målgrupp"))
    target_group_mode = _weighted_default(MANDATORY)
    threat_level = OptionalSelectField(_l("Hotnivå som ska kunna hanteras"))
    threat_level_mode = _weighted_default(MANDATORY)
    housing_form = OptionalSelectField(_l("Boendeform"))
    housing_form_mode = _weighted_default(MANDATORY)
    counties = MultiCheckboxField(_l("Önskade län"),
                                  description=_l("Utföraren ska verka i minst ett av dem (om du väljer något)."))
    counties_mode = _weighted_default(MANDATORY)
    excluded_counties = MultiCheckboxField(
        _l("Uteslutna län"), description=_l("Utföraren ska verka i minst ett län som inte är uteslutet."))
    service_areas = MultiCheckboxField(_l("Insatsområden som behövs"))
    service_areas_mode = _weighted_default(WEIGHTED)
    methods = MultiCheckboxField(_l("Önskade metoder"), coerce=str)
    methods_mode = _weighted_default(WEIGHTED)
    max_price = IntegerField(_l("Högsta dygnspris (kr)"), validators=[
        Optional(), NumberRange(min=1, max=1_000_000, message=_l("Ange ett dygnspris mellan 1 och 1 000 000 kr."))])
    max_price_mode = _weighted_default(MANDATORY)
    drop = MultiCheckboxField(_l("Hoppa över dessa krav från profilen"))
    soften = MultiCheckboxField(_l("Gör dessa ska-krav till bör-krav"))
    include_critical = BooleanField(_l("Visa även utförare med kritiska avvikelser (med varning)"))

    def __init__(self, *args, profiles=(), methods=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.profile.choices = [("", _l("Ingen profil"))] + [(str(p.id), p.name) for p in profiles]
        self.provider_kind.choices = [("", _l("Ingen särskild"))] + choices(ProviderKind)
        self.licences.choices = choices(LicenceKind)
        self.target_group.choices = [("", _l("Ingen särskild"))] + choices(TargetGroup)
        self.threat_level.choices = [("", _l("Ingen särskild"))] + choices(ThreatLevel)
        self.housing_form.choices = [("", _l("Ingen särskild"))] + choices(HousingForm)
        self.counties.choices = county_choices()
        self.excluded_counties.choices = county_choices()
        self.service_areas.choices = list(areas)
        self.methods.choices = [(str(m.id), m.name) for m in methods]
        self.drop.choices = self.soften.choices = []

    def set_profile_requirements(self, described: list[str]) -> None:
        """The chosen profile's requirements, so each can be skipped or softened for this case."""
        options = [(str(i), text) for i, text in enumerate(described)]
        self.drop.choices = options
        self.soften.choices = options
        if not options:  # a stale drop/soften from an earlier profile is ignored, not an error
            self.drop.data, self.soften.data = [], []

    def validate_excluded_counties(self, field):
        from wtforms import ValidationError

        if self.counties.data and not set(self.counties.data) - set(field.data or []):
            raise ValidationError(_l("Alla önskade län är också uteslutna."))

