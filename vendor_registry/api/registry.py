"""The flask-smorest ``Api`` adapted to this app, the blueprint factory, and the rate limiter.

Why these adaptations: flask-smorest would otherwise install an app-wide HTTPException handler
(replacing the HTML error pages) and document errors as ``application/json``; here errors are
problem documents, handled per API blueprint. One ``Api`` and one ``Limiter`` per app, because
tests build several apps in one process and both extensions keep per-app state.
"""
from __future__ import annotations

import http
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BaseConverter, IntegerConverter

from vendor_registry.api.auth import rate_limit_key
from vendor_registry.api.errors import (
    ApiProblem,
    handle_http_exception,
    register_error_handlers,
)
from vendor_registry.api.schemas import MAX_ID, ORG_NUMBER_PATTERN, ProblemSchema

API_PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
#: JSON bodies are small; uploads (which may be larger) do not go through the API.
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Antal förfrågningar som tillåts per period (per nyckel).",
    "X-RateLimit-Remaining": "Återstående förfrågningar i perioden.",
    "X-RateLimit-Reset": "När perioden börjar om (Unix-tid, sekunder).",
}


class OrgNumberConverter(BaseConverter):
    """``<orgnr:org_number>``: the path takes what the document's pattern says (the check digit
    is the view's to judge); anything else is no such resource (404)."""

    regex = ORG_NUMBER_PATTERN.strip("^$")


class IdConverter(IntegerConverter):
    """``<id:flag_id>``: a record id, documented as an integer from 0 to ``MAX_ID``.

    A larger number names no record: it becomes 0, which no record has, so the view answers
    404 like for any unknown id. (Refusing it in the converter, as ``int(max=…)`` does, makes
    werkzeug answer 405 to the path's other methods instead of 404.)"""

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0


def _id_parameter(converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": MAX_ID}


def _org_number_parameter(converter: OrgNumberConverter) -> dict[str, Any]:
    return {"type": "string", "pattern": ORG_NUMBER_PATTERN, "example": "556016-0680",
            "description": "Organisationsnummer, med eller utan bindestreck."}


class RegistryApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are handled per API blueprint (see ``api.errors``), not app-wide."""

    def _register_doc_blueprint(self) -> None:
        """``openapi.json`` is served by the ``api_meta`` blueprint, documented like the rest."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            else:
                prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            if status == 401:
                response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"},
                                                            "description": "Bearer realm=\"api\""}}
            if status == 429:
                response["headers"] = {"Retry-After": {"schema": {"type": "string"},
                                                       "description": "Sekunder att vänta."}}
                response["headers"].update({name: {"schema": {"type": "string"}, "description": text}
                                            for name, text in RATE_LIMIT_HEADERS.items()})
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Fel (problem+json enligt RFC 7807)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def raw_body(view: Any) -> Any:
    """Marks an operation whose body is a file (an evidence upload), not JSON: its limit is the
    evidence limit and any content type is read as bytes (the content decides the type)."""
    view.raw_body = True
    return view


def _guard_body() -> None:
    """Cap API bodies well below the upload limit, and refuse bodies that are not JSON."""
    view = current_app.view_functions.get(request.endpoint or "")
    outer = current_app.config.get("MAX_CONTENT_LENGTH")  # the bound of every request, also here

    def bounded(limit: int) -> int:
        return min(limit, int(outer)) if outer else limit

    if getattr(view, "raw_body", False):
        request.max_content_length = bounded(int(current_app.config.get("EVIDENCE_MAX_BYTES") or 20 * 1024 * 1024))
        return
    request.max_content_length = bounded(int(current_app.config["API_MAX_CONTENT_LENGTH"]))
    if request.method in ("POST", "PATCH", "PUT") and request.content_length and not request.is_json:
        raise ApiProblem(415)


def make_blueprint(name: str, description: str) -> SmorestBlueprint:
    """An API resource blueprint: problem+json errors, body guard, documented under /api/v1."""
    bp = SmorestBlueprint(name, __name__, url_prefix=API_PREFIX, description=description)
    register_error_handlers(bp)
    bp.before_request(_guard_body)
    return bp


def _not_api() -> bool:
    return not request.path.startswith(API_PREFIX + "/")


def init_rate_limit(app: Flask) -> Limiter:
    """One limit shared by all API operations, per token (per address without one).

    The limit is read from the config on every request (``API_RATE_LIMIT``), the storage from
    ``RATELIMIT_STORAGE_URI`` (memory, or Redis when several processes serve the API). If the
    storage cannot be reached the limiter falls back to memory instead of failing requests.
    """
    limiter = Limiter(
        key_func=rate_limit_key,
        application_limits=[lambda: current_app.config["API_RATE_LIMIT"]],
        application_limits_exempt_when=_not_api,
        headers_enabled=True,
        in_memory_fallback_enabled=True,
        key_prefix=app.config["RATELIMIT_KEY_PREFIX"],
        retry_after="delta-seconds",
    )
    limiter.init_app(app)
    return limiter


def _document_common_errors(api: RegistryApi) -> None:
    """Errors every operation of a kind can give, so that each operation lists them: a body can be
    too large (413) or not JSON (415, ``_guard_body``, also where none is expected), malformed
    (400) or invalid (422); path ids can be unknown (404). A file upload reads any bytes. Any
    operation can meet an unexpected error (500) or an unreachable database (503)."""
    for path, item in api.spec._paths.items():  # apispec keeps no public accessor for registered paths
        for method, operation in item.items():
            if method.upper() not in ("GET", "POST", "PATCH", "PUT", "DELETE"):
                continue
            codes: list[int] = []
            content = operation.get("requestBody", {}).get("content", {})
            if method.upper() in ("POST", "PATCH", "PUT"):
                codes += [413] if "application/octet-stream" in content else [413, 415]
            if "application/json" in content:
                codes += [400, 422]
            if "{" in path:
                codes.append(404)
            codes += [500, 503]
            responses = operation.setdefault("responses", {})
            for code in codes:
                if str(code) not in responses and code not in responses:
                    responses[str(code)] = api.spec.components.get_ref("response", http.HTTPStatus(code).name)


def _method_not_allowed_with_allow(app: Flask) -> None:
    """A wrong method never reaches a blueprint (no rule matched), so the API's 405 is handled
    at app level: problem+json with the ``Allow`` header HTTP requires; pages keep theirs."""

    def handle(error: MethodNotAllowed):
        if request.path.startswith(API_PREFIX + "/"):
            return handle_http_exception(error)
        page_handler = app.error_handler_spec[None][None].get(HTTPException)  # the app's error pages
        return page_handler(error) if page_handler else error

    app.register_error_handler(MethodNotAllowed, handle)


def init_api(app: Flask, blueprints: list[SmorestBlueprint]) -> RegistryApi:
    from vendor_registry.extensions import csrf

    api = RegistryApi(
        spec_kwargs={
            "title": "Utförarregistret API",
            "version": "1",
            "openapi_version": "3.0.3",
            "info": {
                "description": (
                    "JSON-API för utförarregistret. Autentisering med personlig API-nyckel: "
                    "`Authorization: Bearer <nyckel>`. Fel returneras som application/problem+json "
                    "(RFC 7807) med svensk title/detail."
                )
            },
        }
    )
    app.url_map.converters["orgnr"] = OrgNumberConverter
    app.url_map.converters["id"] = IdConverter
    api.init_app(app)
    api.register_converter(OrgNumberConverter, _org_number_parameter)
    api.register_converter(IdConverter, _id_parameter)
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "Personlig API-nyckel från kontosidan: `Authorization: Bearer <nyckel>`. Saknas den, "
                       "är den ogiltig, återkallad eller utgången blir svaret 401; får kontots roll inte "
                       "göra åtgärden blir svaret 403."})
    for bp in blueprints:
        api.register_blueprint(bp)
        csrf.exempt(bp)
    _document_common_errors(api)
    _method_not_allowed_with_allow(app)
    app.extensions["vendor_registry_api"] = api
    app.extensions["vendor_registry_limiter"] = init_rate_limit(app)
    return api
