"""Sign-in through the municipality's identity provider: which account a login is, and its log entry.

The provider says who the person is; it never decides who may use the registry. So nothing
here creates an account or gives a role (an administrator does both, as for password users):
one configured claim of the validated ID token is matched to an existing user, and anything
else is refused with a reason. Every attempt, refused ones included, goes to the same sign-in
log as password logins, marked with the method ``oidc``. Each function flushes; the view
commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from vendor_registry.auth import services
from vendor_registry.auth.emails import normalise_email
from vendor_registry.auth.models import SignIn, User
from vendor_registry.extensions import db
from vendor_registry.organisations.tenancy import CROSS

METHOD = "oidc"


@dataclass
class SsoSignIn:
    """The result of mapping a provider login: the user when it is allowed, else why not."""

    user: User | None
    outcome: str
    message: Any = None  # the Swedish reason shown when the login is refused


def find_account(claim: str, value: str) -> User | None:
    """``sub`` is matched with the subject an administrator stored on the user; any other claim
    (email, upn, preferred_username) with the user's e-mail address."""
    if claim == "sub":
        return db.session.execute(db.select(User).filter_by(oidc_subject=value), execution_options=CROSS).scalar_one_or_none()
    return services.find_user(value)


def sign_in(claims: dict[str, Any], claim: str, *, address: str | None = None,
            user_agent: str | None = None) -> SsoSignIn:
    """Map the provider's claims to an active user and log the attempt."""
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        result = SsoSignIn(None, "sso_error", _l(
            "Kommunens inloggningstjänst skickade inte uppgiften %(claim)s, som behövs för att hitta ditt "
            "konto. Kontakta systemförvaltaren.", claim=claim))
        _log(result, "", address, user_agent)
        return result
    value = value.strip()
    if claim == "email" and claims.get("email_verified") is False:
        result = SsoSignIn(None, "sso_error", _l(
            "Kommunens inloggningstjänst har inte bekräftat e-postadressen %(email)s, så den kan inte "
            "användas för att logga in.", email=value))
        _log(result, value, address, user_agent)
        return result
    user = find_account(claim, value)
    if user is None:
        result = SsoSignIn(None, "unknown_subject" if claim == "sub" else "unknown_email", _l(
            "Du är inloggad hos kommunen som %(who)s, men det finns inget konto i registret för dig. "
            "Be systemförvaltaren att lägga upp ett konto med rätt roll.", who=value))
    elif not user.active:
        result = SsoSignIn(None, "inactive", _l(
            "Ditt konto i registret är inaktiverat. Kontakta systemförvaltaren."))
    else:
        result = SsoSignIn(user, "ok")
        services.stamp_login(user)  # bookkeeping, outside the version check, as for passwords
    shown = user.email if user is not None else value if claim == "sub" else normalise_email(value)
    _log(result, shown, address, user_agent, user)
    return result


def record_failure(*, address: str | None = None, user_agent: str | None = None) -> None:
    """A provider answer refused before anyone was known (bad state, invalid token, denied)."""
    _log(SsoSignIn(None, "sso_error"), "", address, user_agent)


def _log(result: SsoSignIn, identity: str, address: str | None, user_agent: str | None,
         user: User | None = None) -> None:
    db.session.add(SignIn(
        email=identity[:254], user_id=user.id if user is not None else None, succeeded=result.outcome == "ok",
        outcome=result.outcome, method=METHOD, address=(address or None) and address[:45],
        user_agent=(user_agent or None) and user_agent[:200]))
    db.session.flush()


def set_subject(user: User, subject: str | None) -> None:
    """Tie the account to the provider's ``sub`` (or untie it with None/empty).

    An administrator's decision, like the role: the provider's subject is matched exactly as
    given (case and all), and two accounts cannot share one.
    """
    subject = (subject or "").strip() or None
    if subject is not None and len(subject) > 255:
        raise services.AccountError(_l("Identiteten får vara högst 255 tecken."))
    if subject is not None:
        holder = db.session.execute(db.select(User).filter_by(oidc_subject=subject),
                                    execution_options=CROSS).scalar_one_or_none()
        if holder is not None and holder.id != user.id:
            raise services.AccountError(_l("Identiteten %(subject)s hör redan till %(email)s.", subject=subject,
                                           email=holder.email))
    user.oidc_subject = subject
    db.session.flush()
