"""Login form: field validation only; authentication is a service call in the view."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired

from vendor_registry.auth.emails import ValidEmail


class LoginForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Ange din e-postadress.")),
                                                       ValidEmail()])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Ange ditt lösenord."))])


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Språk"), choices=[("sv", "Svenska"), ("en", "English")])

