"""Row-level security on PostgreSQL: the second wall. Raw SQL that names no organisation, run
inside organisation A's scope, sees none of B's rows and the shared ones; writes to B's rows
change nothing; a connection nobody scoped sees nothing; the ALL scope sees everything.

PostgreSQL only: without TEST_DATABASE_URL these tests are skipped locally; with CI set they
run anyway and fail (the app fixture needs the server), so CI never counts them as passed.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from tests.conftest import (
    APP_ROLE,
    BACKENDS,
    drop_database,
    fresh_database_url,
    make_test_app,
)
from tests.factories import (
    make_check,
    make_contract,
    make_organisation,
    make_provider,
    make_review,
    make_user,
)
from vendor_registry.codes import CheckType, FlagRule, FlagSeverity, ProviderStatus
from vendor_registry.database import Base
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.organisations import rls, tenancy
from vendor_registry.organisations.tenancy import CROSS

if "postgresql" in BACKENDS or os.environ.get("CI"):
    POSTGRESQL = ["postgresql"]
else:
    POSTGRESQL = [pytest.param("postgresql", marks=pytest.mark.skip(
        reason="row-level security needs PostgreSQL: set TEST_DATABASE_URL"))]

pytestmark = pytest.mark.parametrize("app", POSTGRESQL, indirect=True)

OWN_TABLES = ("contracts", "reviews", "provider_approvals", "users")
SHARED_OR_OWN_TABLES = ("background_checks", "flags", "audit_events")


def _flag(provider, organisation_id, rule=FlagRule.CONTRACT_EXPIRING):
    flag = Flag(provider_id=provider.id, rule=rule, subject_key=f"x:{organisation_id}", severity=FlagSeverity.LOW,
                message="m", organisation_id=organisation_id)
    db.session.add(flag)
    db.session.flush()
    return flag


def _records_of_two_organisations():
    """Organisation A (the first) and B each with own rows of every kind, and shared rows."""
    a = tenancy.default_organisation_id()
    b = make_organisation("Lunds kommun").id
    provider = make_provider(status=ProviderStatus.APPROVED)  # A's approval (ALL scope writes as the first)
    make_check(provider, check_type=CheckType.IVO_REGISTER, automatic=True, organisation_id=None)  # shared
    _flag(provider, None, FlagRule.LICENCE_MISSING)  # shared
    for organisation in (a, b):
        with tenancy.within_organisation(organisation):
            make_user()
            make_contract(provider)
            make_review(provider)
            make_check(provider, check_type=CheckType.STAFF_RECORDS)  # a manual check: own
            _flag(provider, organisation)
            if organisation == b:
                db.session.get(type(provider), provider.id).status = ProviderStatus.REJECTED
                db.session.flush()
    return a, b


def _organisations_in(table: str) -> set:
    """A raw statement that names no organisation: only the database can filter it."""
    return set(db.session.execute(text(f"SELECT DISTINCT organisation_id FROM {table}")).scalars())


def test_the_app_runs_as_a_role_the_policies_bind(db_session):
    role = db.session.execute(text(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert tuple(role) == (APP_ROLE, False, False)


def test_every_table_with_an_organisation_has_forced_policies(db_session):
    expected = {table.name: table.c.organisation_id.nullable for table in Base.metadata.sorted_tables
                if "organisation_id" in table.c and table.name != "organisations"}
    assert {"contracts", "users", "flags", "audit_events"} <= set(expected)
    rows = db.session.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.qual FROM pg_class c"
        " LEFT JOIN pg_policies p ON p.tablename = c.relname AND p.schemaname = current_schema()"
        " WHERE c.relname = ANY(:names) AND c.relkind = 'r'"), {"names": list(expected)}).all()
    found = {name: (enabled, forced, qual) for name, enabled, forced, qual in rows}
    assert set(found) == set(expected)
    for name, nullable in expected.items():
        enabled, forced, qual = found[name]
        assert (enabled, forced) == (True, True), name
        assert qual is not None and ("organisation_id IS NULL" in qual) == nullable, (name, qual)


def test_raw_reads_inside_an_organisation_see_its_own_and_shared_rows_only(db_session):
    a, b = _records_of_two_organisations()
    for table in OWN_TABLES + SHARED_OR_OWN_TABLES:
        assert b in _organisations_in(table), table  # the ALL scope sees both
    for mine, theirs in ((a, b), (b, a)):
        with tenancy.within_organisation(mine):
            for table in OWN_TABLES:
                assert _organisations_in(table) == {mine}, table
            for table in SHARED_OR_OWN_TABLES:
                assert _organisations_in(table) == {None, mine}, table
            checks = db.session.execute(text("SELECT check_type, organisation_id FROM background_checks")).all()
            assert sorted(tuple(row) for row in checks) == [("ivo_register", None), ("staff_records", mine)]


def test_writes_to_another_organisations_rows_change_nothing(db_session):
    a, b = _records_of_two_organisations()
    with tenancy.within_organisation(a):
        for table in OWN_TABLES[:3] + SHARED_OR_OWN_TABLES[:2]:
            changed = db.session.execute(text(f"UPDATE {table} SET organisation_id = :a WHERE organisation_id = :b"),
                                         {"a": a, "b": b})
            assert changed.rowcount == 0, table
            deleted = db.session.execute(text(f"DELETE FROM {table} WHERE organisation_id = :b"), {"b": b})
            assert deleted.rowcount == 0, table
        # nor can A write a row into B, or move its own row there
        with pytest.raises(ProgrammingError, match="row-level security"), db.session.begin_nested():
            db.session.execute(text("UPDATE contracts SET organisation_id = :b"), {"b": b})
    counts = {table: db.session.execute(text(f"SELECT count(*) FROM {table} WHERE organisation_id = :b"),
                                        {"b": b}).scalar() for table in OWN_TABLES + SHARED_OR_OWN_TABLES}
    assert all(counts.values()), counts  # B's rows all still there (ALL scope)


def test_an_empty_setting_sees_nothing_not_even_shared_rows(db_session):
    _records_of_two_organisations()
    connection = db.session.connection()
    connection.execute(text("SELECT set_config('app.organisation', '', true)"))
    for table in OWN_TABLES + SHARED_OR_OWN_TABLES + ("users",):
        # straight on the connection: no session hook sets the scope again
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    connection.info.pop("vendor_registry.rls.organisation", None)


def test_nobody_signed_in_sees_shared_rows_only(app, db_session):
    a, _b = _records_of_two_organisations()
    person = make_user(organisation=db.session.get(__import__(
        "vendor_registry.organisations.models", fromlist=["Organisation"]).Organisation, a))
    db_session.expunge_all()
    with app.test_request_context("/"):
        assert tenancy.current_scope() == tenancy.NOBODY
        assert _organisations_in("contracts") == set()
        assert _organisations_in("background_checks") == {None}
        # the sign-in lookup crosses organisations on purpose, and the scope is back after it
        from vendor_registry.auth.models import User

        found = db.session.execute(sa.select(User).filter_by(email=person.email), execution_options=CROSS)
        assert found.scalar_one().id == person.id
        assert db.session.execute(text("SELECT current_setting('app.organisation')")).scalar() == "none"
        # the user loader's query began the transaction; entering the person's scope applies now
        tenancy.enter_request_scope(person)
        setting = db.session.connection().execute(text("SELECT current_setting('app.organisation')")).scalar()
        assert setting == str(a)
        assert _organisations_in("contracts") == {a}


def test_a_connection_nobody_scoped_sees_nothing_and_writes_nothing(app, tmp_path):
    """A fresh database with committed rows, read by a connection that switched to the app's
    role but never set ``app.organisation`` (unset, not empty)."""
    url = fresh_database_url("postgresql", tmp_path)
    application = make_test_app(url, tmp_path / "instance")
    try:
        with application.app_context():
            upgrade(revision="heads")
            provider = make_provider()
            make_contract(provider)
            make_check(provider, automatic=True, organisation_id=None)
            db.session.commit()
            db.session.remove()
            engine = sa.create_engine(url)
            rls.set_role_on_connect(engine, APP_ROLE)  # the role, but no scope on begin
            with engine.connect() as connection:
                assert connection.execute(text("SELECT current_setting('app.organisation', true)")).scalar() is None
                for table in ("contracts", "background_checks", "audit_events", "users", "provider_approvals"):
                    assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
                with pytest.raises(ProgrammingError, match="row-level security"):
                    connection.execute(text(
                        "INSERT INTO audit_events (occurred_at, actor_kind, actor_label, action, entity_type,"
                        " entity_id, changes) VALUES (now(), 'job', 'x', 'insert', 'x', '1', '{}')"))
            engine.dispose()
            with db.engine.connect() as connection:  # the app's own connections: ALL outside a request
                assert connection.execute(text("SELECT count(*) FROM contracts")).scalar() == 1
                assert connection.execute(text("SELECT count(*) FROM background_checks")).scalar() == 1
            db.engine.dispose()
    finally:
        drop_database(url)


def test_preflight_warns_when_the_role_bypasses_row_level_security(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        bound = app.test_cli_runner().invoke(args=["preflight"])
    assert bound.exit_code == 0 and "database ok" in bound.output and "row-level security" not in bound.output
    superuser = make_test_app(url, tmp_path / "instance", DATABASE_ROLE=None)
    try:
        with superuser.app_context():
            warned = superuser.test_cli_runner().invoke(args=["preflight"])
        assert warned.exit_code == 0
        assert "warning: the database role postgres bypasses row-level security" in warned.output
    finally:
        with superuser.app_context():
            db.engine.dispose()


def test_the_scope_after_a_crossing_statement_holds_for_core_statements_too(app, db_session):
    """The setting is sent lazily, just before the next statement (``rls._set_before_statement``):
    a statement straight on the connection, which no session hook sees, must still run with
    the scope of now, not with the ``all`` of the crossing statement before it."""
    a, _b = _records_of_two_organisations()
    from vendor_registry.auth.models import User

    with tenancy.within_organisation(a):
        everybody = db.session.execute(sa.select(User), execution_options=CROSS).scalars().all()
        assert len({user.organisation_id for user in everybody}) == 2
        connection = db.session.connection()
        assert connection.execute(text("SELECT current_setting('app.organisation')")).scalar() == str(a)
        assert set(connection.execute(text("SELECT DISTINCT organisation_id FROM contracts")).scalars()) == {a}


@pytest.fixture
def sent_settings(monkeypatch):
    """Every value of ``app.organisation`` sent to the server while the test runs: on the
    driver's connection (``rls._set_before_statement``) or as a statement through SQLAlchemy
    (how stop 24's code sent it)."""
    import psycopg

    sent: list = []
    original = psycopg.Connection.execute

    def counting(self, query, params=None, **kwargs):
        if query == rls._SET_SQL:
            sent.append(params[0])
        return original(self, query, params, **kwargs)

    def through_sqlalchemy(_conn, _cursor, statement, parameters, _context, _many):
        if statement.startswith("SELECT set_config('app.organisation'"):
            sent.append(parameters["value"] if isinstance(parameters, dict) else parameters[0])

    monkeypatch.setattr(psycopg.Connection, "execute", counting)
    sa.event.listen(db.engine, "before_cursor_execute", through_sqlalchemy)
    yield sent
    sa.event.remove(db.engine, "before_cursor_execute", through_sqlalchemy)


def test_a_signed_in_request_sends_the_setting_at_most_twice(app, db_session, login, sent_settings):
    """Each value sent is a round trip: a signed-in page sends ``all`` for the sign-in lookup
    and then the person's organisation, not the four values it went through (issue 15)."""
    from vendor_registry.codes import Role

    person = make_user(Role.SUPERVISOR)
    db.session.commit()
    client = login(person)
    sent_settings.clear()
    response = client.get("/providers/")
    sent = sent_settings
    assert response.status_code == 200
    # (here the test's own transaction may already hold ``all``, so the lookup may send nothing)
    assert 1 <= len(sent) <= 2 and sent[-1] == str(person.organisation_id), sent
    assert "none" not in sent


def test_the_data_stamp_is_read_without_sending_the_scope(app, db_session, sent_settings):
    """``data_stamps`` has no policies, so its read (every request's first, all a kept page
    needs after the sign-in) goes without a round trip for the setting; the statement after it
    still gets the scope of now."""
    from vendor_registry import datastamp
    from vendor_registry.auth.models import User

    a, _b = _records_of_two_organisations()
    sent = sent_settings
    with tenancy.within_organisation(a):
        db.session.execute(sa.select(User), execution_options=CROSS).all()  # leaves ``all`` behind
        sent.clear()
        # (this test's writes are not committed, so ``current`` would refuse; the read itself:)
        assert db.session.execute(datastamp._READ).scalar() is not None
        assert sent == []
        connection = db.session.connection()
        assert set(connection.execute(text("SELECT DISTINCT organisation_id FROM contracts")).scalars()) == {a}
        assert sent == [str(a)]
