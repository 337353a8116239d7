"""Demand test fixtures.

``db_session`` is overridden here: the shared one binds the session to the test connection,
but Flask-SQLAlchemy's ``Session.get_bind`` picks the app engine before it looks at the
session's own bind, so a test that commits leaks its rows into later tests (reported to the
lead). This session always uses the test connection, so commits are rolled back at the end.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_sqlalchemy.session import Session as FlaskSession

from vendor_registry.extensions import db


class _ConnectionBoundSession(FlaskSession):
    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def db_session(app) -> Iterator:
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
