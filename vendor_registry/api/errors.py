"""Every API error as an RFC 7807 problem document with a Swedish title and detail.

Registered on each API blueprint, so these handlers win over the app's HTML error pages for
API routes and leave the rest of the app alone. Validation problems carry a flat list of
field errors; a stale edit (409) carries the record as it is now, so a client can merge.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from vendor_registry.concurrency import StaleRecordError
from vendor_registry.errors import ValidationFailed, problem_response
from vendor_registry.extensions import db

#: Model class -> function dumping it as the API shows it (filled by the resource modules).
RECORD_SERIALIZERS: dict[type, Callable[[Any], dict[str, Any]]] = {}

DETAILS = {
    400: _l("Begäran är felaktigt utformad."),
    401: _l("Ange en giltig API-nyckel i rubriken Authorization: Bearer <nyckel>."),
    403: _l("Din roll har inte behörighet till den här åtgärden."),
    404: _l("Resursen finns inte."),
    405: _l("Metoden är inte tillåten för den här adressen."),
    409: _l("Begäran krockar med postens nuvarande läge."),
    413: _l("Begäran är för stor."),
    415: _l("Skicka JSON med Content-Type: application/json."),
    422: _l("Några uppgifter är ogiltiga. Se listan över fel."),
    429: _l("För många förfrågningar. Vänta en stund och försök igen."),
}

WWW_AUTHENTICATE = 'Bearer realm="api"'


class ApiProblem(HTTPException):
    """Raised by API code for a problem with a specific Swedish detail."""

    def __init__(self, status: int, detail: str | None = None, **extra: Any):
        super().__init__(description=detail)
        self.code = status
        self.extra = extra


def flatten_messages(messages: Any, prefix: str = "") -> Iterator[dict[str, str]]:
    """marshmallow/webargs nested messages -> ``[{"field": "kinds.0", "message": ...}]``."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = str(key)
            if key == "_schema":
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else key
            yield from flatten_messages(value, name)
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from flatten_messages(item, prefix)
    else:
        yield {"field": prefix or "body", "message": str(messages)}


def _unwrap_location(messages: Any) -> Any:
    """webargs nests messages under the location ("json", "query"): fields are named without it."""
    if isinstance(messages, dict) and len(messages) == 1:
        (location, inner), = messages.items()
        if location in ("json", "query", "querystring", "view_args", "path", "headers"):
            return inner
    return messages


def validation_problem(errors: dict[str, list[Any]] | Any):
    return problem_response(422, str(DETAILS[422]), errors=list(flatten_messages(errors)))


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    extra = dict(getattr(error, "extra", {}) or {})
    if status == 422 and "messages" in data:
        return validation_problem(_unwrap_location(data["messages"]))
    if status == 400 and "messages" in data:
        detail = _("Begärans innehåll är inte giltig JSON.")
    elif isinstance(error, ApiProblem) and error.description:
        detail = str(error.description)
    else:
        detail = str(DETAILS.get(status, "")) or None
    response = problem_response(status, detail, **extra)
    if status == 401:
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


_ROW_KEY = re.compile(r"^([a-z_]+)-(\d+)-([a-z_]+)$")


def api_field_name(key: str) -> str:
    """Services key a list row's field as the form does (``requirements-0-value``); the API
    names it as JSON does (``requirements.0.value``). The one place that translates."""
    return _ROW_KEY.sub(r"\1.\2.\3", key)


def handle_validation_failed(error: Any):
    """``ValidationFailed`` of any service (field -> messages): 422 with the field list."""
    db.session.rollback()
    return validation_problem({api_field_name(key): value for key, value in error.errors.items()})


def handle_stale(error: StaleRecordError):
    """The record as it is now, who changed it and what changed, so the client can merge."""
    db.session.rollback()
    record = error.record
    serializer = RECORD_SERIALIZERS.get(type(record))
    extra: dict[str, Any] = {
        "changed_by": error.changed_by,
        "changed_at": error.changed_at.isoformat() if error.changed_at else None,
        "changes": error.changes,
    }
    if serializer is not None:
        db.session.refresh(record)
        extra["current"] = serializer(record)
    if error.seen_version < 0:
        detail = _("Ange version: postens versionsnummer när du läste den.")
    else:
        detail = _("Posten har ändrats av någon annan sedan du läste den (du utgick från version "
                   "%(seen)s). Hämta den igen och gör om ändringen.", seen=error.seen_version)
    return problem_response(409, detail, **extra)


def handle_integrity_error(error: IntegrityError):
    """A unique constraint hit by a concurrent writer: the earlier check could not see it."""
    db.session.rollback()
    current_app.logger.info("API integrity conflict: %s", error.orig)
    return problem_response(409, _("Uppgifterna krockar med en befintlig post (t.ex. samma organisationsnummer)."))


def handle_concurrent_update(error: StaleDataError):
    """Two writers raced on the same version: the loser is told to reload, as with a stale version."""
    db.session.rollback()
    return problem_response(409, _("Posten ändrades samtidigt av någon annan. Hämta den igen och gör om ändringen."))


def register_error_handlers(bp: Blueprint) -> None:
    bp.register_error_handler(HTTPException, handle_http_exception)
    bp.register_error_handler(ValidationFailed, handle_validation_failed)
    bp.register_error_handler(StaleDataError, handle_concurrent_update)
    bp.register_error_handler(StaleRecordError, handle_stale)
    bp.register_error_handler(IntegrityError, handle_integrity_error)
