"""The form for creating a personal API token (field validation only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length

from vendor_registry.forms_common import AppForm, required

EXPIRY_CHOICES = [
    ("90", _l("90 dagar")),
    ("30", _l("30 dagar")),
    ("365", _l("1 år")),
    ("", _l("Ingen utgång")),
]


class TokenForm(AppForm):
    name = StringField(
        _l("Namn på nyckeln"),
        validators=[required(_l("Ge nyckeln ett namn, t.ex. vilket system som använder den.")),
                    Length(max=100, message=_l("Namnet får vara högst 100 tecken."))],
        description=_l("Till exempel systemet som ska använda nyckeln. Syns bara för dig och systemförvaltare."),
    )
    expires_in_days = SelectField(_l("Giltighetstid"), choices=EXPIRY_CHOICES, default="90")


class RevokeForm(AppForm):
    """Only the CSRF token: revoking is a POST."""
