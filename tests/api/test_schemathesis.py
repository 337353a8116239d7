"""schemathesis against the real app with every check it has: the document and the code agree.

Each operation gets schemathesis' phases (the document's examples, the coverage phase's
boundary and wrong-type values, generated data) in both modes: valid requests must be accepted
(or refused only with a status the check allows), invalid ones refused with a 4xx, and every
answer must match the documented status, media type, headers and body. Two checks of ours are
added: every status an operation answers is listed for it (``default`` does not count), and every
error is a problem document. A stateful run follows the links schemathesis infers.

One allowance, itself written in the document: a request that keeps to JSON Schema may still be
refused with 422 for a rule JSON Schema cannot state (a check digit, today's date, another
field, a record that must exist); such fields carry ``x-rule`` (``api.schemas.rule``), and the
refusal passes only when every field the problem names carries it.

It runs over the WSGI interface inside the test's rolled-back transaction, with write tokens (an
administrator; a supervisor for the supervisor's decisions) and with a social worker's token.
The operations are driven with schemathesis' own test builder rather than its pytest fixture
loader, which does not run under pytest 9 (it sets ``node._nodeid``).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from tests.factories import (
    make_check,
    make_contract,
    make_licence,
    make_method,
    make_provider,
    make_review,
)
from vendor_registry.api.schemas import MAX_ID

SUPERVISOR_PATHS = ("/resolve", "/dismiss", "/assign", "/approval")
MAX_EXAMPLES = 8
STATEFUL_EXAMPLES = 12
STATEFUL_STEPS = 6


def _existing_records(db_session) -> dict[str, Any]:
    """One provider (the documented example org number) with one record of each kind, so that
    generated requests reach real records too, not only 404s."""
    from vendor_registry.background_checks import services
    from vendor_registry.flags.models import Flag
    from vendor_registry.methods.models import ProviderMethod
    from vendor_registry.providers.queries import get_provider_by_org_number
    from vendor_registry.reviews.models import ReviewAction

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


def _is_valid(name: str, value: Any) -> bool:
    if name == "org_number":
        return isinstance(value, str) and len(value.replace("-", "")) == 10 and value.replace("-", "").isdigit()
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class Tokens:
    """The run's tokens, and which one a case is sent with."""

    def __init__(self, mode: str, headers: dict[str, dict[str, str]], own_token_ids: set[int]):
        self.mode = mode
        self.headers = headers
        self.own_token_ids = own_token_ids

    def for_case(self, case) -> dict[str, str]:
        if self.mode == "read_only":
            return dict(self.headers["social_worker"])
        role = "supervisor" if case.operation.path.endswith(SUPERVISOR_PATHS) else "admin"
        return dict(self.headers[role])


@pytest.fixture(params=["write", "read_only"])
def api_tokens(request, app, db_session, api_user):
    from vendor_registry.auth.models import ApiToken
    from vendor_registry.extensions import db

    headers = {}
    users = []
    for role in ("admin", "supervisor", "social_worker"):
        user, headers[role] = api_user(role)
        users.append(user.id)
    db_session.commit()
    own = set(db.session.scalars(db.select(ApiToken.id).where(ApiToken.user_id.in_(users))))
    return Tokens(request.param, headers, own)


@pytest.fixture
def api_schema(app, db_session, api_tokens):
    existing = _existing_records(db_session)
    db_session.commit()
    original_limit = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # the token is the test's to give (below), not a parameter for schemathesis to generate or drop
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none",
                                    with_security_parameters=False)
    schema.config.checks.update(included_check_names=["all"])
    if api_tokens.mode == "read_only":
        # the read-only token meets 403 before any validation: generated data is enough there,
        # the coverage phase's thousands of boundary values are the write run's
        schema.config.phases.update(phases=["examples", "fuzzing", "stateful"])

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half of the valid path values point at an existing record (a valid value stays valid)."""
        if not path_parameters:
            return st.just(path_parameters)
        swapped = {name: existing[name] if name in existing and _is_valid(name, value) else value
                   for name, value in path_parameters.items()}
        return st.sampled_from([path_parameters, swapped])

    @schema.hook
    def filter_path_parameters(context, path_parameters):
        """The run must not revoke its own tokens."""
        return (path_parameters or {}).get("token_id") not in api_tokens.own_token_ids

    yield schema
    app.config["API_RATE_LIMIT"] = original_limit


def _deref(document: dict, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _field_schema(document: dict, schema: Any, path: list[str]) -> Any:
    """The schema of ``a.0.b`` inside a request schema (None when the document has no such field)."""
    node = _deref(document, schema)
    for part in path:
        node = _deref(document, node)
        if not isinstance(node, dict):
            return None
        if part.isdigit() and "items" in node:
            node = node["items"]
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            return None
    return _deref(document, node)


def _refusal_is_a_documented_rule(document: dict, case, response) -> bool:
    """A valid request refused with 422 is within the document only when every field the
    problem names carries the document's ``x-rule`` mark (a rule JSON Schema cannot state)."""
    from vendor_registry.api.schemas import RULE_EXTENSION

    if response.status_code != 422:
        return False
    errors = (response.json() or {}).get("errors") or []
    if not errors:
        return False
    operation = case.operation.definition.raw
    content = operation.get("requestBody", {}).get("content", {})
    body = next(iter(content.values()), {}).get("schema")
    parameters = {p["name"]: p.get("schema", {}) for p in operation.get("parameters", [])}
    body = _deref(document, body)
    for error in errors:
        path = error["field"].split(".")
        schema = parameters.get(path[0]) if path[0] in parameters else None
        if schema is None and isinstance(body, dict):
            # a file body has no fields: its own mark covers what the problem names
            schema = _field_schema(document, body, path) if body.get("type") == "object" else body
        if not isinstance(schema, dict) or not schema.get(RULE_EXTENSION):
            return False
    return True


def explicitly_documented_status(ctx, response, case):
    """Every status the API answers is listed for its operation (``default`` is no documentation).
    A probe with a method the path does not have is not this operation's answer (405 + Allow,
    which schemathesis' own ``unsupported_method`` check judges)."""
    if case.method.upper() != case.operation.method.upper():
        return
    documented = set(case.operation.definition.raw.get("responses", {}))
    assert str(response.status_code) in documented, (
        f"{case.operation.label} answered {response.status_code}, documented: {sorted(documented)}")


def errors_are_problem_documents(ctx, response, case):
    """Every error is an RFC 7807 problem document, never HTML and never a bare JSON error."""
    if response.status_code < 400:
        return
    values = {name.lower(): value for name, value in response.headers.items()}.get("content-type") or [""]
    media_type = (values[0] if isinstance(values, list) else values).split(";")[0]
    assert media_type == "application/problem+json", f"{response.status_code} answered as {media_type}"
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["type"] == "about:blank", body


SETTINGS = settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
EXTRA_CHECKS = [explicitly_documented_status, errors_are_problem_documents]


class Validator:
    """One case's call and every check on its answer, counted for the report."""

    def __init__(self, document: dict, tokens: Tokens):
        self.document = document
        self.tokens = tokens
        self.counts = {"cases": 0, "positive": 0, "negative": 0, "refused_by_a_documented_rule": 0}

    def headers(self, case) -> dict[str, str]:
        return self.tokens.for_case(case)

    def validate(self, case, response, headers: dict[str, str]) -> None:
        from schemathesis.specs.openapi.checks import positive_data_acceptance

        mode = case.meta.generation.mode if case.meta else None
        positive = mode is None or mode.is_positive
        self.counts["cases"] += 1
        self.counts["positive" if positive else "negative"] += 1
        excluded = []
        if positive and _refusal_is_a_documented_rule(self.document, case, response):
            self.counts["refused_by_a_documented_rule"] += 1
            excluded.append(positive_data_acceptance)
        case.validate_response(response, headers=headers, transport_kwargs={"headers": headers},
                               additional_checks=EXTRA_CHECKS, excluded_checks=excluded)

    def call_and_validate(self, case) -> None:
        headers = self.headers(case)
        self.validate(case, case.call(headers=headers), headers)


@pytest.fixture
def validator(client, api_tokens):
    return Validator(client.get("/api/v1/openapi.json").get_json(), api_tokens)


def test_every_operation_keeps_to_the_document(api_schema, validator):
    """Every operation, both token kinds, all of schemathesis' checks plus two of ours: 0 failures.
    All operations run and every failure is reported together."""
    from schemathesis.core.result import Ok
    from schemathesis.pytest.lazy import get_all_tests

    failures = []
    operations = 0
    for result in get_all_tests(schema=api_schema, test_func=validator.call_and_validate, settings=SETTINGS,
                                given_kwargs={}):
        assert isinstance(result, Ok), result.err()
        operation, test = result.ok()
        operations += 1
        try:
            test()
        except Exception as exc:  # noqa: BLE001 (a failure of one operation must not hide the others')
            failures.append(f"{operation.label}\n{exc}")
    print(f"\nschemathesis ({validator.tokens.mode}): {operations} operations, {validator.counts}, "
          f"{len(failures)} failing operations")
    assert operations >= 45
    assert validator.counts["negative"] > 100 and validator.counts["positive"] > 200
    assert not failures, "\n\n".join(failures)


def test_linked_operations_keep_to_the_document(api_schema, validator):
    """Stateful: sequences along the links schemathesis infers from the document (a provider's
    org number from a list into its licences, a contract's id into its update ...), with the same
    checks on every step."""
    base = api_schema.as_state_machine()

    class Machine(base):
        def get_call_kwargs(self, case):
            return {"headers": validator.headers(case)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            validator.validate(case, response, kwargs["headers"])

    # generation only: the register's state changes from run to run, so replaying a run to
    # shrink it would not draw the same steps (hypothesis calls that flaky)
    Machine.run(settings=settings(SETTINGS, max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS,
                                  phases=[Phase.generate]))
    print(f"\nschemathesis stateful ({validator.tokens.mode}): {validator.counts}")
    assert validator.counts["cases"] >= STATEFUL_EXAMPLES
