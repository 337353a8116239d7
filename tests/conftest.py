"""Shared fixtures: one app per database backend, a transaction rolled back after each test.

Database tests run on SQLite always and on PostgreSQL too when TEST_DATABASE_URL is set; the
schema comes from the Alembic migrations, so every run also proves they apply.
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from pytest_httpserver import HTTPServer
from werkzeug.serving import make_server

from vendor_registry import create_app
from vendor_registry.extensions import db

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
#: The role the app runs as on PostgreSQL (DATABASE_ROLE): the tests connect as a superuser,
#: which row-level security never binds, so every app switches to this one. Made once per test
#: process (roles belong to the whole server), granted on each test database as it is made.
APP_ROLE = f"vr_app_{os.getpid()}_{uuid.uuid4().hex[:6]}"
_app_role_made = False


def _make_app_role(conn) -> None:
    global _app_role_made
    if not _app_role_made:
        conn.execute(sa.text(f'CREATE ROLE "{APP_ROLE}" NOLOGIN NOSUPERUSER NOBYPASSRLS'))
        _app_role_made = True


def _grant_app_role(url: sa.URL) -> None:
    """What a deployment's owner grants the app's role (README "Running on PostgreSQL"), for
    the tables the migrations make from now on."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'GRANT USAGE ON SCHEMA public TO "{APP_ROLE}"'))
        conn.execute(sa.text(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE'
                             f' ON TABLES TO "{APP_ROLE}"'))
        conn.execute(sa.text(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE'
                             f' ON SEQUENCES TO "{APP_ROLE}"'))
    engine.dispose()


def pytest_sessionfinish(session, exitstatus) -> None:
    if not _app_role_made:
        return
    engine = sa.create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{APP_ROLE}"'))
    except sa.exc.DBAPIError:
        pass  # a test database left behind still holds its grants: the role goes with the server
    finally:
        engine.dispose()


def fresh_database_url(backend: str, tmp_dir: Path) -> str:
    """A new empty database: a file for SQLite, a new database on the PostgreSQL server."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'test-{uuid.uuid4().hex[:8]}.db'}"
    base = sa.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"vr_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        _make_app_role(conn)
    engine.dispose()
    _grant_app_role(base.set(database=name))
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    engine = sa.create_engine(parsed.set(database=sa.make_url(os.environ["TEST_DATABASE_URL"]).database),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    engine.dispose()


def make_test_app(database_url: str, instance: Path, **extra):
    os.environ.setdefault("APP_ENV", "testing")
    config = {
        "APP_ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
    }
    if sa.make_url(database_url).get_backend_name() == "postgresql" and _app_role_made:
        config["DATABASE_ROLE"] = APP_ROLE  # the app obeys row-level security, as in production
    config.update(extra)
    return create_app(config)


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    """A migrated database per backend, shared by the session's tests (each test rolls back)."""
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"app-{backend}")
    url = fresh_database_url(backend, tmp)
    application = make_test_app(url, tmp / "instance")
    with application.app_context():
        upgrade(revision="heads")
    yield application
    with application.app_context():
        db.engine.dispose()
    drop_database(url)


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks its bind from the app's engines and would ignore the
    test's connection (commits would then really reach the database and leak into later
    tests); this one always uses the connection it was made with."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def db_session(app) -> Iterator:
    """Joins the test to an outer transaction that is rolled back, whatever the code commits."""
    with rolled_back_session(app) as session:
        yield session



@contextmanager
def served_over_loopback(app, name: str = "live-server") -> Iterator[str]:
    """``app`` served by werkzeug's threaded server on a free loopback port, for tests that need
    real HTTP (a browser, parallel sessions); yields the base URL and stops the server after."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)

@contextmanager
def rolled_back_session(app) -> Iterator:
    """What ``db_session`` does, callable twice in one test (tests/test_smoke.py proves it)."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionBoundSession}
        )
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


class FreshRequestClient(FlaskClient):
    """The test's app context stays pushed (so factories can use ``db.session``), and Flask
    reuses it for the client's requests; clearing ``g`` per request gives each request what a
    real one has: no user or state cached by an earlier request."""

    def open(self, *args, **kwargs):
        g_data = g.__dict__ if has_app_context() else {}
        g_data.clear()
        return super().open(*args, **kwargs)


def _forget_api_counts(app) -> None:
    """The session-wide app's API calls per token or address start at zero in every test (in
    memory only: a shared Redis is never reset), so a test does not meet the limit because earlier
    tests called the API from the same address."""
    from limits.storage import MemoryStorage

    limiters = app.extensions.get("limiter", set())
    for limiter in limiters if isinstance(limiters, (set, list, tuple)) else [limiters]:
        if isinstance(limiter.storage, MemoryStorage):
            limiter.reset()


@pytest.fixture
def client(app, db_session):
    from vendor_registry.auth import throttle

    throttle.forget_addresses()  # the session-wide app's sign-in counts per address start at zero
    _forget_api_counts(app)
    app.test_client_class = FreshRequestClient
    return app.test_client()


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user`` (through the real login form)."""
    from tests.factories import DEFAULT_PASSWORD

    def _login(user, password: str = DEFAULT_PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture
def as_role(login, db_session):
    """``as_role("supervisor")`` creates a user of that role and logs the client in."""
    from tests.factories import make_user

    def _as(role: str):
        user = make_user(role=role)
        db_session.commit()
        login(user)
        return user

    return _as


@contextmanager
def count_statements(engine) -> Iterator[list[str]]:
    """Collects every SQL statement sent on ``engine`` inside the block, except the setting of
    the organisation for row-level security (PostgreSQL: ``organisations/rls.py``), which is a
    few per request whatever the data, and whose number depends on what the connection held
    before (a test's savepoints), not on the code measured."""
    statements: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("SELECT set_config('app.organisation'"):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", _record)


@pytest.fixture
def statement_counter(app):
    def _counter():
        return count_statements(db.engine)

    return _counter


@pytest.fixture
def closed_port_url() -> str:
    """A URL on a loopback port that nothing listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A separate, threaded server for handlers that sleep, so they block nobody else."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[str]:
    """A real OpenID Connect provider (oidc-provider-mock) on a loopback port, for the session.

    Served as ``localhost`` while the app under test is ``127.0.0.1``, so that a browser keeps
    the two sites' cookies apart as it would for a real provider. Any client id and secret are
    accepted; ``PUT {url}/users/{sub}`` sets a subject's claims, and its login form takes a
    ``sub`` (claims ``{"email": sub}`` unless set).
    """
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"
