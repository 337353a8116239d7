"""The OpenAPI document is served by the app, covers every /api/v1 route both ways, and the app
keeps to it: schemathesis generates requests from it and checks every response."""
from __future__ import annotations

import re
import time
from datetime import date

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
    make_check,
    make_contract,
    make_licence,
    make_method,
    make_provider,
    make_review,
)
from vendor_registry.background_checks import services
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.reviews.models import ReviewAction

RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_every_api_route_is_documented_and_every_operation_exists(app, client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.")
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = RULE_PARAM.sub(r"{\1}", rule.rule)
        routed |= {(path, m.lower()) for m in rule.methods & HTTP_METHODS}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops if method.upper() in HTTP_METHODS}
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations without a route"
    assert len(routed) >= 7


def test_document_is_valid_openapi_3(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.validate()  # raises on a document that breaks the OpenAPI 3.0 meta-schema


def test_every_operation_documents_its_errors_as_problem_json(client):
    doc = _document(client)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if path.endswith("/openapi.json") or method.upper() not in HTTP_METHODS:
                continue
            codes = set(op["responses"])
            assert {"401", "429", "default"} <= codes, (method, path)
            assert op["security"] == [{"bearerAuth": []}]
            if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
                assert "422" in codes, (method, path)
    problem = doc["components"]["responses"]["UNAUTHORIZED"]["content"]
    assert list(problem) == ["application/problem+json"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _existing_records(db_session):
    """One provider (the documented example org number) with a licence and a flag, so that
    generated requests reach real records too, not only 404s."""
    from vendor_registry.flags.models import Flag
    from vendor_registry.providers.queries import get_provider_by_org_number

    provider = get_provider_by_org_number("5560160680") or make_provider(org_number="5560160680", name="Schemat AB")
    licence = make_licence(provider)
    flag = Flag(provider_id=provider.id, rule="licence_unverified", subject_key=f"licence:{licence.id}",
                severity="medium", message="Tillståndet är inte verifierat.")
    db_session.add(flag)
    contract = make_contract(provider)
    method = make_method()
    offered = ProviderMethod(provider_id=provider.id, method_id=method.id, trained_staff=2)
    db_session.add(offered)
    review = make_review(provider)
    action = ReviewAction(review=review, provider_id=provider.id, description="Ny rutin", deadline=date(2030, 1, 1))
    db_session.add(action)
    db_session.flush()
    document = services.add_document_row("0" * 32, 5, "0" * 64, "application/pdf", "a.pdf", provider.id, None)
    check = make_check(provider, evidence_document_id=document.id)
    return {"org_number": "556016-0680", "licence_id": licence.id, "flag_id": flag.id,
            "contract_id": contract.id, "method_id": method.id, "offered_id": offered.id,
            "review_id": review.id, "action_id": action.id, "document_id": document.id, "check_id": check.id}


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(app, db_session, api_user):
    """On both databases (PostgreSQL is the stricter one: NUL bytes, integer ranges, string
    lengths). Every operation, 15 generated requests each (and 15 more aimed at existing records for
    operations with path parameters), with a valid token, against the WSGI app."""
    from vendor_registry.auth.models import ApiToken
    from vendor_registry.extensions import db

    existing = _existing_records(db_session)
    admin, admin_headers = api_user("admin")
    supervisor, supervisor_headers = api_user("supervisor")
    db_session.commit()
    own_tokens = set(db.session.scalars(db.select(ApiToken.id).where(ApiToken.user_id.in_([admin.id, supervisor.id]))))
    original_limit = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    started = time.monotonic()
    operations = 0
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            # flag decisions and approval are the supervisor's; everything else the admin may do
            headers = (supervisor_headers if operation.path.endswith(("/resolve", "/dismiss", "/assign", "/approval"))
                       else admin_headers)
            names = {p.name for p in operation.path_parameters}
            variants = [{}]
            if names:
                variants.append({name: existing[name] for name in names if name in existing})
            for path_parameters in variants:
                # the fixed header replaces the random bearer values schemathesis would generate;
                # the run must not revoke its own tokens
                strategy = operation.as_strategy(headers=dict(headers), path_parameters=path_parameters or None).filter(
                    lambda case: (case.path_parameters or {}).get("token_id") not in own_tokens)

                @given(case=strategy)
                @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                def run(case):
                    response = case.call()
                    case.validate_response(response, checks=CHECKS)

                run()
    finally:
        app.config["API_RATE_LIMIT"] = original_limit
    assert operations >= 40
    # about 0.7 s per operation alone on 2 cores; the budget leaves room for a loaded machine
    assert time.monotonic() - started < 3 * operations
