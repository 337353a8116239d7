"""API fixtures: a user of a role with a real bearer token (created by the token service)."""
from __future__ import annotations

import pytest

from tests.factories import make_user
from vendor_registry.auth import tokens


@pytest.fixture
def api_user(db_session):
    """``api_user("supervisor")`` -> (user, headers) with a fresh token for a new user of that role."""

    def _make(role: str = "procurement_officer", **user_kw):
        user = make_user(role=role, **user_kw)
        _token, plain = tokens.create_token(user, "test client")
        db_session.commit()
        return user, {"Authorization": f"Bearer {plain}"}

    return _make


@pytest.fixture
def headers_for(api_user):
    """``headers_for("admin")`` -> just the Authorization headers."""

    def _headers(role: str = "procurement_officer"):
        return api_user(role)[1]

    return _headers


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["type"] == "about:blank"
    return body





def data_statements(statements: list[str]) -> list[str]:
    """The statements that read or write data (savepoints of the test transaction left out)."""
    return [st for st in statements if st.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")]
