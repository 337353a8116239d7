"""Sign-in throttling, per e-mail address and per client address (OWASP ASVS 5.0 V6.3.1).

Two counters, each where it belongs:

- **Per account: a lock in the database.** At most ``LOGIN_LOCK_FAILURES`` (10) failed attempts
  for one e-mail address in any ``LOGIN_LOCK_MINUTES`` (15); the next attempt is refused
  unchecked (outcome ``locked``) until the first of those failures is that old. The count is
  read from the sign-in log that every attempt already writes (``sign_ins``), so the lock holds
  across restarts and across every worker process, needs no second store, and supervisors and
  admins see the same rows the lock is computed from (*Inloggningar* lists locked addresses).
  A successful sign-in, or an admin's unlock (``users.sign_in_unlocked_at``, audited), starts the
  count afresh. Unknown addresses are counted and locked exactly like real ones, so neither the
  message nor the status tells whether an account exists; refused attempts are logged but not
  counted, so a lock ends on time however long a guesser keeps trying.
- **Per client address: Flask-Limiter's storage** (``RATELIMIT_STORAGE_URI``: memory, or Redis
  shared by every worker). At most ``LOGIN_ADDRESS_LIMIT`` failed attempts (30 per 15 minutes)
  from one address, whatever e-mail they name: this slows one machine spraying many accounts,
  and costs no database work per refused request. Losing these counts on a restart is harmless
  (the database lock still holds); when the storage cannot be reached the check lets the attempt
  through and logs a warning rather than locking everybody out.

Both are plain functions so that every way in can call them: the password login
(``auth.services.authenticate``) does, and a second login path (SSO) can call
:func:`address_refusal` / :func:`note_failure` for its own failures.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import func, select

from vendor_registry.auth.emails import normalise_email
from vendor_registry.auth.models import FAILED_OUTCOMES, SignIn, User
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.organisations.tenancy import (
    ALL,
    CROSS,
    current_organisation_id,
    current_scope,
    default_organisation_id,
)

log = logging.getLogger(__name__)
_EXTENSION = "vendor_registry_sign_in_limiter"
#: At most this many addresses are examined for the locked-accounts list (each is one query).
MAX_LISTED_LOCKS = 200


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused unchecked, and for how many seconds more."""

    outcome: str  # "locked" (the e-mail address) or "throttled" (the client address)
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


@dataclass(frozen=True)
class LockedAccount:
    email: str
    user: User | None  # None: an address with no account (guessing shows here too)
    failures: int
    until: datetime


def _window() -> timedelta:
    return timedelta(minutes=int(current_app.config["LOGIN_LOCK_MINUTES"]))


def _threshold() -> int:
    return int(current_app.config["LOGIN_LOCK_FAILURES"])


# --- per e-mail address: the sign-in log ---------------------------------------------------

def lock_until(email: str, now: datetime | None = None) -> datetime | None:
    """When the lock on ``email`` ends, or None when it is not locked (two queries)."""
    now = now or utcnow()
    email = normalise_email(email)[:254]
    window, threshold = _window(), _threshold()
    start = now - window
    # across organisations: the lock is asked before anyone is signed in (the login form)
    unlocked_at = db.session.scalar(select(User.sign_in_unlocked_at).where(User.email == email),
                                    execution_options=CROSS)
    if unlocked_at is not None and unlocked_at > start:
        start = unlocked_at
    recent = db.session.execute(
        select(SignIn.occurred_at, SignIn.outcome)
        .where(SignIn.email == email, SignIn.occurred_at > start,
               SignIn.outcome.in_(FAILED_OUTCOMES + ("ok",)))
        .order_by(SignIn.occurred_at.desc(), SignIn.id.desc())
        .limit(threshold)
    ).all()
    failures = []
    for occurred_at, outcome in recent:
        if outcome == "ok":
            break  # a success starts the count afresh
        failures.append(occurred_at)
    if len(failures) < threshold:
        return None
    until = failures[threshold - 1] + window
    return until if until > now else None


def locked_accounts(now: datetime | None = None) -> list[LockedAccount]:
    """Every e-mail address locked now, with its account when there is one; latest lock first.

    Read by an organisation: the addresses of its own people, and (for the first organisation,
    the one that runs the installation) addresses that name no account at all; never another
    organisation's people."""
    now = now or utcnow()
    candidates = db.session.execute(
        select(SignIn.email, func.count())
        .where(SignIn.occurred_at > now - _window(), SignIn.outcome.in_(FAILED_OUTCOMES))
        .group_by(SignIn.email)
        .having(func.count() >= _threshold())
        .order_by(func.max(SignIn.occurred_at).desc())
        .limit(MAX_LISTED_LOCKS)
    ).all()
    locks = [(email, count, lock_until(email, now)) for email, count in candidates]
    locks = [(email, count, until) for email, count, until in locks if until is not None]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_([e for e, _c, _u in locks])),
                                                   execution_options=CROSS)}
    return [LockedAccount(email, users.get(email), count, until) for email, count, until in locks
            if readable_account(users.get(email))]


def readable_account(user: User | None) -> bool:
    """Whether the acting organisation may see sign-in records of ``user`` (None: an address
    with no account, which the first organisation sees)."""
    reader = current_organisation_id()
    if current_scope() == ALL:
        return True
    if reader is None:
        return False
    if user is None:
        return reader == default_organisation_id()
    return user.organisation_id == reader


# --- per client address: the limiter's storage ---------------------------------------------

class _AddressCounter:
    """A moving window of failures per client address in Flask-Limiter's storage (the ``limits``
    library underneath it), under the app's key prefix."""

    def __init__(self, storage_uri: str, prefix: str):
        self.storage = storage_from_string(storage_uri)
        self.window = MovingWindowRateLimiter(self.storage)
        self.prefix = prefix

    def _keys(self, address: str) -> tuple[str, ...]:
        return (self.prefix, "sign-in-address", address)


def _counter():
    app = current_app._get_current_object()
    counter = app.extensions.get(_EXTENSION)
    if counter is None:
        counter = _AddressCounter(app.config["RATELIMIT_STORAGE_URI"], app.config["RATELIMIT_KEY_PREFIX"])
        app.extensions[_EXTENSION] = counter
    return counter


def address_refusal(address: str | None) -> Refusal | None:
    """A refusal when ``address`` has used up its failed attempts, else None (no database work)."""
    if not address:
        return None
    counter, limit = _counter(), parse(current_app.config["LOGIN_ADDRESS_LIMIT"])
    try:
        if counter.window.test(limit, *counter._keys(address)):
            return None
        stats = counter.window.get_window_stats(limit, *counter._keys(address))
    except Exception:  # the storage is down: the database lock still protects every account
        log.warning("sign-in address throttle storage unreachable; not throttling by address", exc_info=True)
        return None
    return Refusal("throttled", max(1, math.ceil(stats.reset_time - time.time())))


def note_failure(address: str | None) -> None:
    """Count one failed attempt from ``address`` (the e-mail's count is the sign-in log itself)."""
    if not address:
        return
    counter = _counter()
    try:
        counter.window.hit(parse(current_app.config["LOGIN_ADDRESS_LIMIT"]), *counter._keys(address))
    except Exception:
        log.warning("sign-in address throttle storage unreachable; failure not counted", exc_info=True)


def forget_addresses() -> None:
    """Clear this process's address counts when they are kept in memory (tests start each case
    at zero). A shared Redis is left alone: its reset would clear every limiter key in it."""
    storage = _counter().storage
    if isinstance(storage, MemoryStorage):
        storage.reset()


# --- both ----------------------------------------------------------------------------------

def refusal(email: str, address: str | None, now: datetime | None = None) -> Refusal | None:
    """Whether a password attempt must be refused before its password is checked: the client
    address first (no database work under a flood), then the e-mail address's lock."""
    refused = address_refusal(address)
    if refused is not None:
        return refused
    now = now or utcnow()
    until = lock_until(email, now)
    if until is not None:
        return Refusal("locked", max(1, math.ceil((until - now).total_seconds())))
    return None
