"""Login form: field validation only; authentication is a service call in the view."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired

from vendor_registry.auth.emails import ValidEmail
from vendor_registry.forms_common import AppForm


class LoginForm(AppForm):
    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Ange din e-postadress.")),
                                                       ValidEmail()])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Ange ditt lösenord."))])


class LanguageForm(AppForm):
    locale = SelectField(_l("Språk"), choices=[("sv", "Svenska"), ("en", "English")])

