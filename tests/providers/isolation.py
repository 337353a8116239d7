"""A per-test transaction that really is rolled back (used by the provider-screen tests).

``tests/conftest.py``'s ``db_session`` passes ``bind=connection`` to a Flask-SQLAlchemy
session, but Flask-SQLAlchemy 3.1's ``Session.get_bind`` maps every table to the app's
*engine* and ignores that bind, so the tests' commits reach the database and leak into later
tests. This fixture builds the session with a ``get_bind`` that returns the test connection.
(Reported to the lead; once conftest.py is fixed this module can go.)
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_sqlalchemy.session import Session as FlaskSession

from vendor_registry.extensions import db


class _ConnectionSession(FlaskSession):
    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def db_session(app) -> Iterator:
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = db._make_scoped_session({"bind": connection, "join_transaction_mode": "create_savepoint",
                                           "class_": _ConnectionSession})
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
