"""The provider form: field validation only (the organisation number rule is shared)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import Email, Length, NumberRange, Optional

from vendor_registry.codes import (
    HousingForm,
    Ownership,
    ProviderKind,
    TargetGroup,
    ThreatLevel,
)
from vendor_registry.forms_common import (
    AppForm,
    IsoDateField,
    LineListField,
    MultiCheckboxField,
    OptionalSelectField,
    TextAreaField,
    VersionField,
    required,
)
from vendor_registry.labels import choices, county_choices
from vendor_registry.providers.orgnr import OrgNumberError, normalise_org_number


class ProviderForm(AppForm):
    org_number = StringField(_l("Organisationsnummer"), validators=[required(_l("Ange organisationsnumret."))],
                             description=_l("10 siffror, med eller utan bindestreck, t.ex. 556016-0680."))
    name = StringField(_l("Namn"), validators=[required(_l("Ange utförarens namn.")), Length(max=200)])
    kinds = MultiCheckboxField(_l("Verksamhetstyper"), validators=[required(_l("Välj minst en verksamhetstyp."))])
    ownership = SelectField(_l("Ägarform"))
    municipality = StringField(_l("Kommun (säte)"), validators=[Optional(), Length(max=100)])
    county = SelectField(_l("Län (säte)"))
    counties_served = MultiCheckboxField(_l("Län där utföraren verkar"))
    capacity = IntegerField(_l("Antal platser"), validators=[Optional(), NumberRange(min=0, max=10000, message=_l("Ange ett antal mellan 0 och 10 000."))])
    target_groups = MultiCheckboxField(_l("Målgrupper som tas emot"))
    housing_forms = MultiCheckboxField(_l("Boendeformer"))
    max_threat_level = OptionalSelectField(_l("Högsta hotnivå som kan tas emot"))
    languages = LineListField(_l("Språk"), max_items=30, max_length=40, forbidden="|",
                              description=_l("Ett språk per rad, t.ex. svenska, engelska och arabiska på var sin rad."))
    service_areas = MultiCheckboxField(_l("Insatsområden"))
    contact_name = StringField(_l("Kontaktperson"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("E-post"), validators=[Optional(), Email(_l("Ange en giltig e-postadress."))])
    contact_phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    website = StringField(_l("Webbplats"), validators=[Optional(), Length(max=300)])
    address = StringField(_l("Adress"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Anteckningar"), validators=[Optional(), Length(max=5000)])
    version = VersionField()

    def __init__(self, *args, service_area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds.choices = choices(ProviderKind)
        self.ownership.choices = choices(Ownership)
        self.county.choices = [("", _l("Välj län"))] + county_choices()
        self.counties_served.choices = county_choices()
        self.target_groups.choices = choices(TargetGroup)
        self.housing_forms.choices = choices(HousingForm)
        self.max_threat_level.choices = [("", _l("Ej angiven"))] + choices(ThreatLevel)
        self.service_areas.choices = list(service_area_choices)

    def validate_org_number(self, field):
        try:
            normalise_org_number(field.data)
        except OrgNumberError as exc:
            raise ValidationError(str(exc.args[0])) from exc

    def validate_county(self, field):
        if not field.data:
            raise ValidationError(_l("Välj ett län."))

    def to_data(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name not in ("csrf_token", "version")}

    @classmethod
    def initial_from(cls, provider) -> dict:
        return {"version": provider.version}


class TransitionForm(AppForm):
    """A status change's input: free texts and a date; which of them a transition needs is a
    domain rule (``approval.transition``), so every field here is optional."""

    class Meta:
        csrf = False  # the app-wide CSRFProtect already checks every POST

    reason = TextAreaField(validators=[Optional(), Length(max=5000)])
    override_justification = TextAreaField(validators=[Optional(), Length(max=5000)])
    conditions = TextAreaField(validators=[Optional(), Length(max=5000)])
    conditions_until = IsoDateField(validators=[Optional()])
    version = VersionField()

    def input_values(self) -> dict[str, str]:
        """What the user typed, to show again next to the errors."""
        return {name: field._value() for name, field in self._fields.items()}
