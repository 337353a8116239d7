"""Every route × every identity, compared with the explicit table in ``access_table.py``.

Identities: anonymous, and each of the four roles — through a real session (the login form) for
pages, through a real bearer token for the API. Each route is called with each of its methods
with ids that do not exist, so an identity the table lets in gets past the access check to the
view (which answers 200, 302, 404, 422 …), and one it keeps out is stopped before the view:
403 for a signed-in role, the login page (302) or 401 for anonymous, 401 for the API without a
token. Nobody gets a 500. A route missing from the table, or a table line without a route,
fails ``test_every_route_is_in_the_table``.
"""
from __future__ import annotations

import pytest
from flask import url_for

from tests.factories import make_user
from tests.security.access_table import ACCESS, ROLE_LETTERS
from vendor_registry.auth import tokens

IDENTITIES = ["anonymous", *ROLE_LETTERS.values()]
#: Path values that name nothing: the view is reached and answers 404 (or validates them).
ARGUMENTS = {"org_number": "5560160680", "name": "no_such_name", "fmt": "csv"}
MISSING_ID = 999_999


def _is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def _is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def routes(app):
    """(rule, method, url) for every route and method, logout last (it ends the session)."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if _is_static(rule.endpoint):
                continue
            values = {arg: ARGUMENTS.get(arg, MISSING_ID) for arg in rule.arguments}
            url = url_for(rule.endpoint, **values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule, method, url))
    return sorted(found, key=lambda item: (item[0].endpoint == "auth.logout", item[0].endpoint, item[1]))


def allowed(endpoint: str, identity: str) -> bool:
    who = ACCESS[endpoint]
    if who == "public":
        return True
    return identity != "anonymous" and any(ROLE_LETTERS[letter] == identity for letter in who)


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if not _is_static(rule.endpoint)}
    assert sorted(endpoints - set(ACCESS)) == [], "routes without a line in tests/security/access_table.py"
    assert sorted(set(ACCESS) - endpoints) == [], "table lines for routes that no longer exist"
    assert all(who == "public" or (who and set(who) <= set(ROLE_LETTERS)) for who in ACCESS.values())


def _call(client, rule, method, url, headers):
    if method == "GET":
        return client.get(url, headers=headers)
    if _is_api(rule):
        return client.open(url, method=method, json={}, headers=headers)
    return client.open(url, method=method, data={}, headers=headers)


def _verdict(rule, identity: str, response) -> str | None:
    """None when the answer fits the table, else what is wrong."""
    status = response.status_code
    to_login = status == 302 and "/login" in response.headers.get("Location", "")
    if status >= 500:
        return f"{status} (server error)"
    if allowed(rule.endpoint, identity):
        if status in (401, 403) or (to_login and rule.endpoint != "auth.logout"):
            return f"{status}: refused, but the table lets {identity} in"
        return None
    if identity == "anonymous":
        expected = status == 401 if _is_api(rule) else (to_login or status == 401)
    else:
        expected = status == 403
    return None if expected else f"{status}: let in (or not refused as expected), but the table keeps {identity} out"


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_route_answers_every_identity_as_the_table_says(app, client, login, db_session, identity):
    headers: dict[str, str] = {}
    if identity != "anonymous":
        user = make_user(role=identity)
        _token, plain = tokens.create_token(user, "security matrix")
        db_session.commit()
        login(user)
        api_headers = {"Authorization": f"Bearer {plain}"}
    else:
        api_headers = {}
    wrong = []
    checked = 0
    for rule, method, url in routes(app):
        headers = api_headers if _is_api(rule) else {}
        response = _call(client, rule, method, url, headers)
        checked += 1
        problem = _verdict(rule, identity, response)
        if problem:
            wrong.append(f"{method} {rule.rule} ({rule.endpoint}): {problem}")
    assert wrong == [], "\n".join(wrong)
    assert checked >= len(ACCESS)


def test_the_api_ignores_a_session_cookie(app, client, as_role):
    """A signed-in browser's cookie never authorises an API call (so no CSRF on the API): only a
    bearer token does."""
    as_role("admin")
    for rule, method, url in routes(app):
        if not _is_api(rule) or ACCESS[rule.endpoint] == "public":
            continue
        response = _call(client, rule, method, url, {})
        assert response.status_code == 401, f"{method} {url}: {response.status_code}"
