"""The OpenAPI document is served by the app, covers every /api/v1 route both ways, and states
the rules the API enforces (schemathesis checks the app against it: test_schemathesis.py)."""
from __future__ import annotations

import re

import schemathesis

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
            assert {"401", "429", "500", "503", "default"} <= codes, (method, path)
            assert ("403" in codes) == bool(op["x-permissions"]), (method, path)
            assert "404" in codes or "{" not in path, (method, path)
            if method in ("post", "patch"):
                raw = "application/octet-stream" in op.get("requestBody", {}).get("content", {})
                assert "413" in codes and ("415" in codes) != raw, (method, path)
            assert op["security"] == [{"bearerAuth": []}]
            if "requestBody" in op or any(p["in"] == "query" for p in op.get("parameters", [])):
                assert "422" in codes, (method, path)
    problem = doc["components"]["responses"]["UNAUTHORIZED"]["content"]
    assert list(problem) == ["application/problem+json"]
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer") and "401" in scheme["description"]
    assert doc["paths"]["/api/v1/openapi.json"]["get"].get("security") == []


def _properties(doc, name):
    return doc["components"]["schemas"][name]["properties"]


def _parameter(doc, path, method, name):
    item = doc["paths"][path]
    return next(p for p in item[method].get("parameters", []) + item.get("parameters", []) if p["name"] == name)


def test_the_probe_cases_are_documented_as_they_are_validated(client, api_user):
    """Issue 17 item 8: each rule is in the document and is the one the API enforces."""
    doc = _document(client)
    _user, headers = api_user("admin")
    # booleans are booleans: documented so, and 0, 1, "yes" or "true" are refused
    assert _properties(doc, "MatchRequest")["include_critical"]["type"] == "boolean"
    for value in (0, 1, "yes", "true"):
        response = client.post("/api/v1/match", json={"requirements": [{"kind": "housing_form", "value": "own_flat",
                                                                         "mandatory": True}],
                                                       "include_critical": value}, headers=headers)
        assert response.status_code == 422, value
        assert response.get_json()["errors"] == [{"field": "include_critical", "message": "Ange true eller false."}]
    assert _parameter(doc, "/api/v1/demand-profiles", "get", "include_retired")["schema"]["type"] == "boolean"
    assert client.get("/api/v1/demand-profiles?include_retired=1", headers=headers).status_code == 422
    assert client.get("/api/v1/demand-profiles?include_retired=true", headers=headers).status_code == 200
    # org numbers: the pattern in the body, the path and the output
    created = _properties(doc, "ProviderCreate")["org_number"]
    assert created["pattern"] == "^[0-9]{6}-?[0-9]{4}$" and created["x-rule"] is True
    assert _parameter(doc, "/api/v1/providers/{org_number}", "get", "org_number")["schema"]["pattern"] == created["pattern"]
    assert _properties(doc, "Provider")["org_number"]["pattern"] == "^[0-9]{6}-[0-9]{4}$"
    response = client.post("/api/v1/providers", json={"org_number": "556016 0680"}, headers=headers)
    assert {"field": "org_number", "message": "Ange organisationsnumret som NNNNNN-NNNN."} in response.get_json()["errors"]
    assert client.get("/api/v1/providers/556016 0680", headers=headers).status_code == 404
    # integers are bounded (64 bits unless narrower), and the bound is the one enforced
    capacity = _properties(doc, "ProviderCreate")["capacity"]
    assert (capacity["minimum"], capacity["maximum"]) == (0, 10_000)
    assert _properties(doc, "Provider")["version"]["maximum"] == 2**63 - 1
    assert _parameter(doc, "/api/v1/flags/{flag_id}", "get", "flag_id")["schema"]["maximum"] == 2**31 - 1
    for huge in ("2147483648", "99999999999999999999999"):
        response = client.patch(f"/api/v1/contracts/{huge}", json={"version": 0}, headers=headers)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", huge
    assert client.get("/api/v1/providers?page=1_0", headers=headers).status_code == 422
    # a date rule JSON Schema cannot state is described, and marked as a rule (422 names the field)
    snooze = _properties(doc, "Acknowledge")["snoozed_until"]
    assert snooze["format"] == "date" and snooze["x-rule"] is True and "efter i dag" in snooze["description"]
    # text: the control-character rule is the documented pattern
    assert _properties(doc, "ProviderCreate")["name"]["pattern"].startswith("^[^\\u0000")
    # enums
    assert _properties(doc, "Flag")["status"]["enum"]


