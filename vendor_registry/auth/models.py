"""Accounts: one role per user, scrypt password hashes, revocable sessions and API tokens."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from vendor_registry.codes import Role
from vendor_registry.database import TimestampMixin, VersionedMixin, enum_type, utcnow
from vendor_registry.extensions import db
from vendor_registry.organisations.models import Organisation, OwnedByOrganisation


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(OwnedByOrganisation, UserMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "users"
    __audit_redact__ = ("password_hash", "session_token")
    # Bookkeeping, not a change anyone made to the account: logins are in the sign-in log.
    __audit_skip__ = ("last_login_at", "notices_seen_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Flask-Login stores this, not the id, in the session: rotating it ends every session.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    locale: Mapped[str | None] = mapped_column(String(8))
    last_login_at: Mapped[datetime | None]
    last_digest_at: Mapped[datetime | None]
    # When this person last marked their notices as seen: what is "new" starts after it.
    notices_seen_at: Mapped[datetime | None]
    # The municipal identity provider's ``sub`` for this person, when single sign-on maps
    # accounts by subject (OIDC_USER_CLAIM=sub); set by an administrator, never by a login.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    # When an admin last lifted a sign-in lock: failures before it no longer count (auth/throttle.py).
    sign_in_unlocked_at: Mapped[datetime | None]

    # The organisation this account acts for (a person working for two has two accounts);
    # loaded with the account, since every page shows it.
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def end_sessions(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(OwnedByOrganisation, db.Model):
    """A personal bearer token; only its SHA-256 is stored, the token is shown once. It belongs
    to its owner's organisation and acts within it (set from the owner, never from a request)."""

    __tablename__ = "api_tokens"
    __audit_redact__ = ("token_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = db.relationship()


class SignIn(db.Model):
    """One login attempt, successful or not: who, when, from where.

    Logins are not changes to a record, so they live here rather than as a ``last_login_at``
    update in the audit log. Failures are kept too, also for addresses that match no account
    (that is how guessing shows). The password is never stored, not even a failed one.
    """

    __tablename__ = "sign_ins"
    # The lock counts one address's failures in the last minutes (auth/throttle.py).
    __table_args__ = (Index("ix_sign_ins_email_occurred_at", "email", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # as entered, normalised
    user_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the log outlives the account
    succeeded: Mapped[bool]
    outcome: Mapped[str] = mapped_column(String(20))  # see SIGN_IN_OUTCOMES
    address: Mapped[str | None] = mapped_column(String(45))  # IPv4 or IPv6
    user_agent: Mapped[str | None] = mapped_column(String(200))
    # How the person signed in: see SIGN_IN_METHODS.
    method: Mapped[str] = mapped_column(String(20), default="password", server_default="password")


#: Outcome codes of a sign-in attempt: ``locked`` is an attempt refused unchecked because the
#: address had too many failures (auth/throttle.py), ``throttled`` one refused because the
#: client address had; ``unknown_subject`` and ``sso_error`` come only from single sign-on (an
#: unknown ``sub``, and an answer from the provider that was refused before anyone was known).
SIGN_IN_OUTCOMES = ("ok", "unknown_email", "wrong_password", "inactive", "locked", "throttled",
                    "unknown_subject", "sso_error")
#: The outcomes that count towards a lock: attempts refused by the throttle itself do not, so
#: a lock ends on time however often a guesser keeps knocking.
FAILED_OUTCOMES = ("unknown_email", "wrong_password", "inactive")
#: How a sign-in was made: the login form, or the municipality's identity provider (OIDC).
SIGN_IN_METHODS = ("password", "oidc")
