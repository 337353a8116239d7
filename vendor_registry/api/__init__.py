"""The JSON API under /api/v1: one module per resource, documented by the schemas it validates with.

``bp`` is the entry in ``blueprints.py``. It serves the OpenAPI document itself, and its
registration sets up flask-smorest, the rate limiter and the resource blueprints for that app.
"""
from __future__ import annotations

from flask import Blueprint, current_app

from vendor_registry.auth.permissions import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_OPERATION = {
    "get": {
        "tags": ["api"],
        "summary": "Hämta API-beskrivningen",
        "description": "OpenAPI 3-dokumentet för detta API; det genereras från samma scheman som "
                       "validerar begärandena. Kräver ingen nyckel.",
        "operationId": "openapi_json",
        "security": [],
        "responses": {
            "200": {"description": "OpenAPI-dokumentet",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            "429": {"$ref": "#/components/responses/TOO_MANY_REQUESTS"},
        },
    }
}


def resource_blueprints() -> list:
    from vendor_registry.api import (
        approval,
        checks,
        contracts,
        demand,
        evidence,
        flags,
        jobs,
        licences,
        methods,
        providers,
        reviews,
        tokens,
    )

    return [providers.bp, approval.bp, licences.bp, contracts.bp, methods.bp, reviews.bp, checks.bp,
            evidence.bp, flags.bp, demand.bp, jobs.bp, tokens.bp]


@bp.route("/openapi.json")
@public
def openapi_json():
    from vendor_registry.api.sharing import document

    spec = current_app.extensions["vendor_registry_api"].spec
    document(spec)  # idempotent: a schema registered after set-up is classified too
    return spec.to_dict()


def _setup(state) -> None:
    from vendor_registry.api.registry import init_api
    from vendor_registry.api.sharing import document

    api = init_api(state.app, resource_blueprints())
    document(api.spec)  # x-shared on every property: what is shared, what is the organisation's own
    rule = next(state.app.url_map.iter_rules("api.openapi_json"))
    api.spec.path(rule=rule, operations=OPENAPI_OPERATION)
    api.spec.tag({"name": "api", "description": "API-beskrivningen (OpenAPI 3)."})


def _register_errors() -> None:
    from vendor_registry.api.errors import register_error_handlers

    register_error_handlers(bp)


_register_errors()
bp.record_once(_setup)
