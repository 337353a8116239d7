"""Job tests need real commits and real processes: each gets a fresh, migrated database."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade

from tests.conftest import BACKENDS, drop_database, fresh_database_url, make_test_app
from tests.factories import DEFAULT_PASSWORD, make_user
from vendor_registry.extensions import db


def build_app(backend: str, tmp_path, **extra):
    url = fresh_database_url(backend, tmp_path)
    application = make_test_app(url, tmp_path / "instance", **extra)
    with application.app_context():
        upgrade(revision="heads")
    return application, url


@pytest.fixture(params=BACKENDS)
def job_app(request, tmp_path):
    application, url = build_app(request.param, tmp_path)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)




def admin_client(app):
    """A test client signed in as a new admin, through a real login on ``app``'s own database."""
    with app.app_context():
        email = make_user(role="admin").email
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD}).status_code == 302
    return client
