"""Who is acting: a person in a request, an API token, a scheduled job, or the system.

The audit listener and the services ask this module instead of taking an ``actor`` or
``user`` argument, so that no caller can forget to pass one or pass the wrong person. A
service whose rules depend on the person's role asks ``acting_user()``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Actor:
    kind: str  # user | api | job | system
    label: str
    user_id: int | None = None
    # The person's User, once loaded: kept here so that a request, an API call or a test loads
    # it at most once. Not part of the actor's identity (equality, hash, repr).
    user: Any = field(default=None, compare=False, repr=False)


SYSTEM = Actor("system", "system")
_current: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    actor = _current.get()
    if actor is not None:
        return actor
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return Actor("user", current_user.email, current_user.id, current_user._get_current_object())
    return SYSTEM


class NoActingPerson(PermissionError):
    """A service that decides by the person's role was called with no person acting (a job,
    the command line, the system): it refuses rather than guess a role or fail on ``None``."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.message = _l("Ingen inloggad person utför ändringen, så behörigheten kan inte avgöras.")
        super().__init__(f"{self.message} ({actor.kind}: {actor.label})")


def acting_user() -> Any:
    """The acting person's User (for services whose rules depend on the role); raises
    NoActingPerson when no person acts or the person no longer exists. Loaded once per actor."""
    actor = current_actor()
    if actor.user is not None:
        return actor.user
    if actor.user_id is None:
        raise NoActingPerson(actor)
    from vendor_registry.auth.models import User
    from vendor_registry.extensions import db

    user = db.session.get(User, actor.user_id)
    if user is None:
        raise NoActingPerson(actor)
    object.__setattr__(actor, "user", user)  # the cache slot of a frozen value: see Actor.user
    return user


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def job_actor(job_name: str) -> Actor:
    return Actor("job", f"job:{job_name}")


def user_actor(user: Any, kind: str = "user") -> Actor:
    return Actor(kind, user.email, user.id, user)
