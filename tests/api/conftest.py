"""API fixtures: a user of a role with a real bearer token (created by the token service)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_sqlalchemy.session import Session as FlaskSession

from tests.factories import make_user
from vendor_registry.auth import tokens
from vendor_registry.extensions import db


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


class _ConnectionBoundSession(FlaskSession):
    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def db_session(app) -> Iterator:
    """The shared ``db_session`` binds the session to the test connection, but Flask-SQLAlchemy's
    ``Session.get_bind`` prefers the app engine, so commits leak into later tests (reported to the
    lead). The API tests commit a lot (schemathesis included); this keeps every commit inside the
    test's rolled-back transaction. Remove once tests/conftest.py binds the session itself."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = db._make_scoped_session({"bind": connection, "join_transaction_mode": "create_savepoint",
                                           "class_": _ConnectionBoundSession})
        original = db.session
        db.session = session
        try:
            yield session
        finally:
            session.remove()
            db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()
