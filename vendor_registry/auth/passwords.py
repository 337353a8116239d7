"""The password rule (OWASP ASVS 5.0, V6.2): length, not composition, and no common password.

One function decides for every place a password is set — the admin's new-user form, a person
changing their own password, the CLI — so the rule cannot differ between them:

- at least ``MIN_PASSWORD_LENGTH`` (12) characters and up to ``MAX_PASSWORD_LENGTH`` (128; ASVS
  asks that at least 64 be allowed); any character counts, spaces included, nothing is trimmed
  or truncated, and no mix of character classes is demanded (ASVS 6.2.5);
- not one of the common passwords shipped with the package (ASVS 6.2.4): Django's list of the
  20,000 most common (BSD licence, ``common-passwords.LICENSE``) and a Swedish list of our own,
  compared case-insensitively; a common word with only digits or signs added at the end
  ("Sommar2024!", "lösenord1234") counts as that word;
- not the account's e-mail address or name, with or without digits and signs (ASVS 6.2.11).
"""
from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from wtforms.validators import StopValidation

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
_LISTS = ("common-passwords.txt", "common-passwords-sv.txt")
#: Shorter stems ("abc", "qwe") are not looked up as "a word with digits added", so that a long
#: password that merely starts with a short common string is not refused for it.
_MIN_STEM = 4

TOO_SHORT = _l("Lösenordet måste ha minst %(n)s tecken.", n=MIN_PASSWORD_LENGTH)
TOO_LONG = _l("Lösenordet får ha högst %(n)s tecken.", n=MAX_PASSWORD_LENGTH)
TOO_COMMON = _l("Lösenordet är för vanligt: det finns i listor som används för att gissa lösenord. "
                "Välj ett annat, gärna några ord som hör ihop för dig.")
IS_IDENTITY = _l("Lösenordet får inte vara e-postadressen eller namnet.")
HINT = _l("Minst %(n)s tecken. Inga krav på specialtecken; en fras av flera ord fungerar bra. "
          "Vanliga lösenord och e-postadressen eller namnet godtas inte.", n=MIN_PASSWORD_LENGTH)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped lists, read once per process."""
    folder = Path(__file__).resolve().parent
    words: set[str] = set()
    for name in _LISTS:
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                words.add(_fold(line.strip()))
    return frozenset(words)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _letters(text: str) -> str:
    return "".join(ch for ch in _fold(text) if ch.isalpha())


def _stem(folded: str) -> str:
    """The password without the digits, spaces and signs at its end: "sommar2024!" -> "sommar"."""
    end = len(folded)
    while end and not folded[end - 1].isalpha():
        end -= 1
    return folded[:end]


def password_problem(password: str, *, email: str | None = None, name: str | None = None):
    """The Swedish reason ``password`` is refused, or None when it may be used."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_PASSWORD_LENGTH:
        return TOO_LONG
    folded = _fold(password)
    letters = _letters(password)
    identities = set()
    if email:
        local = email.split("@", 1)[0]
        identities |= {_letters(email), _letters(local)}
    if name:
        identities.add(_letters(name))
    if letters and letters in {item for item in identities if item}:
        return IS_IDENTITY
    common = common_passwords()
    stem = _stem(folded)
    if folded in common or folded.strip() in common or (len(stem) >= _MIN_STEM and stem in common):
        return TOO_COMMON
    return None


class PasswordPolicy:
    """WTForms validator for :func:`password_problem`; ``email``/``name`` name the form's fields
    holding the account's address and name (absent: the validator's ``identity`` callable)."""

    def __init__(self, email_field: str | None = None, name_field: str | None = None, identity=None):
        self.email_field, self.name_field, self.identity = email_field, name_field, identity

    def __call__(self, form, field) -> None:
        if self.identity is not None:
            email, name = self.identity()
        else:
            email = form[self.email_field].data if self.email_field else None
            name = form[self.name_field].data if self.name_field else None
        problem = password_problem(field.data or "", email=email, name=name)
        if problem is not None:
            raise StopValidation(str(problem))
