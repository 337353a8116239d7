"""Account forms: a personal API token, and a person's own new password (field validation only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Length

from vendor_registry.auth.passwords import HINT as PASSWORD_HINT
from vendor_registry.auth.passwords import PasswordPolicy
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


class PasswordChangeForm(AppForm):
    """A person's own new password: the current one first, then the new one twice."""

    current_password = PasswordField(_l("Nuvarande lösenord"),
                                     validators=[required(_l("Ange ditt nuvarande lösenord."))])
    new_password = PasswordField(_l("Nytt lösenord"), validators=[
        required(_l("Ange ett nytt lösenord.")),
        PasswordPolicy(identity=lambda: (current_user.email, current_user.name)),
    ], description=PASSWORD_HINT)
    confirm = PasswordField(_l("Upprepa det nya lösenordet"), validators=[
        required(_l("Upprepa det nya lösenordet.")),
        EqualTo("new_password", message=_l("Lösenorden är inte likadana.")),
    ])
