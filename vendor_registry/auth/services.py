"""Account writes. Each function flushes; the caller (view or CLI) commits."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from vendor_registry.auth import throttle
from vendor_registry.auth.emails import INVALID_EMAIL, is_valid_email, normalise_email
from vendor_registry.auth.models import FAILED_OUTCOMES, SignIn, User
from vendor_registry.auth.passwords import password_problem
from vendor_registry.codes import Role
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.organisations.tenancy import CROSS
from vendor_registry.sqlite import end_reads, write_intent

# Compared against when the e-mail is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A user-facing reason why an account change was refused."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the account's."""


class SignInRefused(Exception):
    """An attempt refused unchecked by the throttle (auth/throttle.py); it is in the sign-in log.

    The message names the e-mail address or the client address but never says whether an
    account exists: an unknown address is locked by the same count as a real one.
    """

    def __init__(self, refusal: throttle.Refusal):
        super().__init__(refusal.outcome)
        self.refusal = refusal

    @property
    def message(self):
        if self.refusal.outcome == "locked":
            return _l("För många misslyckade inloggningsförsök med den här e-postadressen. "
                      "Försök igen om %(n)s minuter.", n=self.refusal.minutes)
        return _l("För många misslyckade inloggningsförsök från din dator eller ditt nätverk. "
                  "Försök igen om %(n)s minuter.", n=self.refusal.minutes)


def find_user(email: str) -> User | None:
    # E-mail addresses are unique in the installation: the sign-in looks across organisations.
    return db.session.execute(db.select(User).filter_by(email=normalise_email(email)),
                              execution_options=CROSS).scalar_one_or_none()


def create_user(email: str, name: str, role: Role | str, password: str) -> User:
    if not is_valid_email(email):
        raise AccountError(INVALID_EMAIL)
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError(_l("Det finns redan en användare med e-postadressen %(email)s.", email=email))
    _check_policy(password, email=email, name=name)
    user = User(email=email, name=name.strip(), role=Role(role))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, *, address: str | None = None,
                 user_agent: str | None = None) -> User | None:
    """The active user with this e-mail and password, else None (timing-safe).

    Every attempt is written to the sign-in log, failures included, so that a supervisor can see
    guessing; the password itself is never stored. An attempt the throttle refuses is logged and
    then raises :class:`SignInRefused` without its password being checked (the caller commits).

    The throttle's count, the lookup and the deliberately slow password hash run in a read
    transaction of their own, and the writes in a short one after it: on SQLite a login then
    holds the write lock for the two writes only, not for the hash (under load, logins waiting
    behind other logins' hashes ran past the busy timeout: issue 17).
    """
    with write_intent(False):
        refused = throttle.refusal(email, address)
        user = find_user(email)
        if refused is not None:
            outcome = refused.outcome
        elif user is None:
            check_password_hash(_DUMMY_HASH, password)
            outcome = "unknown_email"
        elif not user.check_password(password):
            outcome = "wrong_password"
        elif not user.active:
            outcome = "inactive"
        else:
            outcome = "ok"
        end_reads(db.session)
    if outcome == "ok":
        stamp_login(user)
    db.session.add(SignIn(
        email=normalise_email(email)[:254], user_id=user.id if user is not None else None,
        succeeded=outcome == "ok", outcome=outcome, address=(address or None) and address[:45],
        user_agent=(user_agent or None) and user_agent[:200]))
    db.session.flush()
    if refused is not None:
        raise SignInRefused(refused)
    if outcome in FAILED_OUTCOMES:
        throttle.note_failure(address)
    return user if outcome == "ok" else None


def stamp_login(user: User) -> None:
    """Record when the user last signed in, as bookkeeping rather than an edit of the account.

    A plain UPDATE that bypasses the ORM's optimistic-lock version: parallel logins to one
    account (several tabs, a shared service account) must never fail each other with a stale
    version, and a login must not make an administrator's open edit form of the account stale.
    On PostgreSQL concurrent stamps wait for each other's row lock and the last one wins.
    """
    now = utcnow()
    # updated_at keeps its value (a Core UPDATE would otherwise apply its onupdate): not an edit.
    db.session.execute(update(User).where(User.id == user.id)
                       .values(last_login_at=now, updated_at=User.updated_at)
                       .execution_options(synchronize_session=False, **CROSS))
    set_committed_value(user, "last_login_at", now)


def deactivate_user(user: User) -> None:
    """Deactivation also rotates the session token, which ends every open session."""
    user.active = False
    user.end_sessions()
    db.session.flush()


def reactivate_user(user: User) -> None:
    user.active = True
    db.session.flush()


def change_role(user: User, role: Role | str) -> None:
    user.role = Role(role)
    user.end_sessions()  # a role change takes effect at once, not at next login
    db.session.flush()


def _check_policy(password: str, *, email: str, name: str) -> None:
    """Every password that is set passes auth/passwords.py's rule (ASVS 5.0 V6.2)."""
    problem = password_problem(password, email=email, name=name)
    if problem is not None:
        raise AccountError(problem)


def set_password(user: User, password: str) -> None:
    _check_policy(password, email=user.email, name=user.name)
    user.set_password(password)
    user.end_sessions()
    db.session.flush()


def change_own_password(user: User, current: str, new: str) -> None:
    """A person's own change: the current password proves it is them (a left-open session is
    not enough); every other session of theirs ends."""
    if not user.check_password(current):
        raise WrongPassword(_l("Det nuvarande lösenordet stämmer inte."))
    set_password(user, new)


def unlock_sign_in(user: User) -> None:
    """Lift a sign-in lock: failures before now no longer count (audited as a change to the user)."""
    user.sign_in_unlocked_at = utcnow()
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()
