"""Who is acting: a person in a request, an API token, a scheduled job, or the system.

The audit listener asks this module instead of taking an ``actor`` argument, so that no
service can forget to pass one.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import has_request_context


@dataclass(frozen=True)
class Actor:
    kind: str  # user | api | job | system
    label: str
    user_id: int | None = None


SYSTEM = Actor("system", "system")
_current: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    actor = _current.get()
    if actor is not None:
        return actor
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return Actor("user", current_user.email, current_user.id)
    return SYSTEM


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def job_actor(job_name: str) -> Actor:
    return Actor("job", f"job:{job_name}")


def user_actor(user: object, kind: str = "user") -> Actor:
    return Actor(kind, user.email, user.id)
