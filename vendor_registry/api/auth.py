"""Bearer-token authentication and the role check for every API operation.

No cookies and no session login: each request names its token. The token is resolved once
per request (the rate limiter needs it before the view, the view needs its owner) and
memoised on the request. ``api_require`` is the API's counterpart of ``auth.permissions.require``:
it carries the same ``access_rule`` attribute, answers 401/403 as problem documents, and
runs the view as the token's owner for the audit log.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.auth import tokens
from vendor_registry.auth.models import ApiToken, User
from vendor_registry.auth.permissions import Permission, has_permission
from vendor_registry.extensions import db
from vendor_registry.organisations.tenancy import enter_request_scope
from vendor_registry.sqlite import write_intent

F = TypeVar("F", bound=Callable[..., Any])
_UNSET = object()
# Memoised on the request itself (not ``g``, which an app context can share between requests).
_ENVIRON_KEY = "vendor_registry.api_token"

log = logging.getLogger(__name__)


def bearer_value() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_token() -> ApiToken | None:
    """The request's usable token (or None), looked up once per request."""
    cached = request.environ.get(_ENVIRON_KEY, _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    token = tokens.lookup(bearer_value())
    request.environ[_ENVIRON_KEY] = token
    return token


def current_api_user() -> User | None:
    token = current_token()
    return token.user if token is not None else None


def token_principal() -> str | None:
    """Who is asking, for a kept API answer (``pagecache``): the token itself, whose scope and
    owner decide what it may read."""
    token = current_token()
    return f"token:{token.token_hash}" if token is not None else None


def rate_limit_key() -> str:
    """Per token when one is presented and valid, else per client address."""
    token = current_token() if request.path.startswith("/api/") else None
    if token is not None:
        return f"token:{token.id}"
    return f"addr:{request.remote_addr or 'unknown'}"


def _authenticate() -> User:
    from vendor_registry.api.errors import ApiProblem

    token = current_token()
    if token is None:
        detail = (_("API-nyckeln är ogiltig, återkallad eller har gått ut, eller kontot är inaktiverat.")
                  if bearer_value() else _("Ange en API-nyckel i rubriken Authorization: Bearer <nyckel>."))
        raise ApiProblem(401, detail)
    user = token.user
    enter_request_scope(user)  # the call acts within its user's organisation
    if tokens.touch_due(token):
        _stamp_use(token)
    return user


def _stamp_use(token) -> None:
    """Best effort: the usage stamp is bookkeeping, never a reason to refuse a read.

    The token was read in a deferred transaction; on SQLite, upgrading that snapshot to a write
    fails at once (no busy wait) when the scheduler committed meanwhile. So the read is ended
    first and the stamp gets its own short transaction that takes the write lock at BEGIN
    (waiting up to the busy timeout); if the database is still busy, the stamp is skipped and
    the request goes on."""
    db.session.commit()
    try:
        with write_intent():
            if tokens.touch(token):
                db.session.commit()
            else:
                db.session.rollback()
    except OperationalError:
        db.session.rollback()
        log.warning("API token %s: usage stamp skipped, the database is busy", token.prefix)


def api_require(*permissions: Permission) -> Callable[[F], F]:
    """A valid token whose owner holds ANY of ``permissions`` (none: any valid token)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from vendor_registry.api.errors import ApiProblem

            user = _authenticate()
            if permissions and not any(has_permission(user, p) for p in permissions):
                raise ApiProblem(403)
            g.api_user = user
            with acting_as(Actor("api", user.email, user.id, user)):
                return view(*args, **kwargs)

        wrapper.access_rule = frozenset(permissions) or frozenset({"authenticated"})  # type: ignore[attr-defined]
        doc = dict(getattr(wrapper, "_apidoc", {}))
        manual = dict(doc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        manual["x-permissions"] = sorted(p.value for p in permissions)
        responses = dict(manual.get("responses", {}))
        responses.update({401: "UNAUTHORIZED", 429: "TOO_MANY_REQUESTS"})
        if permissions:
            responses[403] = "FORBIDDEN"
        manual["responses"] = responses
        doc["manual_doc"] = manual
        wrapper._apidoc = doc  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
