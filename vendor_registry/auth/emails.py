"""The one e-mail rule for every place an account's address enters: the CLI, the admin's user
form, the login form and the account services.

Before this module the CLI accepted anything with an "@" while the login form used WTForms'
``Email`` validator, so `flask users create admin@localhost` made an account that could never
log in. Now a single function decides, and the forms wrap it instead of using their own rule.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation

INVALID_EMAIL = _l("Ange en giltig e-postadress, till exempel namn@kommun.se.")


def normalise_email(email: str | None) -> str:
    """How an address is stored and looked up: trimmed, Unicode-normalised, lower case."""
    text = (email or "").strip()
    try:
        text = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        pass  # an invalid address is still looked up (and not found), never an exception here
    return text.lower()


def is_valid_email(email: str | None) -> bool:
    """Syntax only (no DNS): a registry must work offline and on an internal network."""
    try:
        validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


class ValidEmail:
    """WTForms validator for :func:`is_valid_email`, with the same Swedish message."""


    def __call__(self, form, field) -> None:
        if field.data and not is_valid_email(field.data):
            raise StopValidation(str(INVALID_EMAIL))
