"""Personal API tokens: created once, stored only as a SHA-256, revocable at any time.

The plain token is returned exactly once (to the page or the CLI that created it); the
database keeps its hash and a short prefix so that a person can tell tokens apart. A
leaked database therefore gives no usable token. Tokens carry their owner's role: the
role is read on every request, so a role change or deactivation takes effect at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, joinedload

from vendor_registry.auth.models import ApiToken, User
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.organisations.tenancy import CROSS

TOKEN_PREFIX = "vr_"
PREFIX_LENGTH = 11  # "vr_" + 8 characters: enough to recognise a token in a list
MAX_NAME_LENGTH = 100
#: ``last_used_at`` is refreshed at most this often, so a busy client does not turn
#: every GET into a write.
TOUCH_INTERVAL = timedelta(seconds=60)


class TokenError(ValidationFailed):
    """A user-facing reason why a token could not be created or revoked; shown at the name."""

    def __init__(self, message: Any):
        super().__init__({"name": [message]})
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def create_token(user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the record and the plain token (shown once)."""
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Ge nyckeln ett namn, t.ex. vilket system som använder den."))
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(_l("Namnet får vara högst %(n)s tecken.", n=MAX_NAME_LENGTH))
    if not user.active:
        raise TokenError(_l("Kontot är inaktiverat."))
    if expires_at is not None and expires_at <= utcnow():
        raise TokenError(_l("Utgångsdatumet måste ligga i framtiden."))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        organisation_id=user.organisation_id,  # the owner's, also when the command line creates it
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
        created_at=utcnow(),
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    return token, plain


def _owners_organisation(session: Session, flush_context: Any, instances: Any) -> None:
    """A token written without an organisation (a test, a script adding ``ApiToken`` rows) gets
    its owner's, not the acting one's: it runs before the organisation stamp of ``tenancy``."""
    new = [obj for obj in session.new if isinstance(obj, ApiToken) and obj.organisation_id is None]
    if not new:
        return
    with session.no_autoflush:
        for token in new:
            owner_id = token.user.id if token.user is not None else token.user_id
            token.organisation_id = session.execute(
                select(User.organisation_id).where(User.id == owner_id), execution_options=CROSS).scalar()


def install() -> None:
    """Listen on every session, first in line (idempotent)."""
    if not event.contains(Session, "before_flush", _owners_organisation):
        event.listen(Session, "before_flush", _owners_organisation, insert=True)


def revoke_token(token: ApiToken) -> None:
    """Revoking twice keeps the first time; the audit log records the revocation."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def is_usable(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
        and token.user is not None
        and token.user.active
    )


def lookup(plain: str | None) -> ApiToken | None:
    """The usable token with this plain value (owner loaded), else None."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == hash_token(plain)),
        execution_options=CROSS,  # the token says which organisation: found before any scope
    )
    if token is None or not is_usable(token):
        return None
    return token


def touch_due(token: ApiToken, now: datetime | None = None) -> bool:
    """Whether this use should be stamped (at most once per TOUCH_INTERVAL)."""
    return token.last_used_at is None or (now or utcnow()) - token.last_used_at >= TOUCH_INTERVAL


def touch(token: ApiToken, now: datetime | None = None) -> bool:
    """Record use at most once per TOUCH_INTERVAL; True when a row was written.

    A Core UPDATE guarded by the same condition, so that concurrent workers write once,
    and so that the audit log (which records record changes, not reads) is not flooded.
    The caller commits.
    """
    now = now or utcnow()
    if not touch_due(token, now):
        return False
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_INTERVAL))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def all_tokens() -> list[ApiToken]:
    """Every token with its owner (one query), for the administrator's overview."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)
