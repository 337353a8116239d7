"""The second wall on PostgreSQL: row-level security repeats the organisation boundary in the
database, so a statement that forgets the filter (a raw ``text()`` query, a Core statement on a
table) still sees nothing of another organisation.

The policies (migration ``0015_rls14``) read one transaction-local setting, ``app.organisation``:

- an organisation's id: its own rows, and the shared rows (``organisation_id`` empty);
- ``all``: every row (a job, the command line, a migration, the sign-in lookup);
- ``none``: the shared rows only (a request in which nobody has signed in);
- unset or empty: nothing at all (fail closed: a connection nobody scoped sees nothing).

The setting follows ``tenancy.current_scope()``: the wanted value is noted when a transaction
begins (every connection's, and a session's that joins an outer transaction with a savepoint)
and again before a session statement or flush (the person's organisation is known only after
the user loader's query, in the request's first transaction; ``within_organisation`` blocks).
It is *sent* just before the next statement SQLAlchemy runs, whatever its kind, and only when
it differs from what the transaction has (``_set_before_statement``). Statements that cross
organisations on purpose (``execution_options(all_organisations=True)``) run with ``all`` and the
scope of now is wanted again after them; so does the refresh of an object the session already
holds (it was let through when it was loaded). Statements on the driver's own cursors bypass
SQLAlchemy's events and so run with the value last sent: none of them may depend on a policy
(today: ``bulkwrite``'s COPY, used only where no policy binds the role, its staging table, and
the data stamp's bump).

Superusers bypass row-level security even when it is forced, and so does a table's owner unless
it is forced (it is). ``DATABASE_ROLE`` makes every new connection ``SET ROLE`` to a role
without those powers (the test suite runs that way; see README "Running on PostgreSQL").
On SQLite nothing here does anything: the ORM filter in ``tenancy`` is the only wall there.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session

SETTING = "app.organisation"
ALL_VALUE = "all"
NOBODY_VALUE = "none"
#: Where the value last set on a connection is kept (the pooled connection's ``info``).
_SET_ON = "vendor_registry.rls.organisation"
#: The value wanted for the connection's next statement (``apply``).
_WANTED = "vendor_registry.rls.wanted"
_SET_SQL = "SELECT set_config('app.organisation', %s, true)"
_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "BEGIN")
#: Execution option of a statement that reads or writes no table with policies (the data
#: stamp: every request's first read): it runs without waiting for the setting. Only for such
#: statements: the policies would see whatever value the transaction last had.
SCOPE_FREE = "organisation_scope_free"


def setting_for(scope: Any) -> str:
    """The value of ``app.organisation`` for a ``tenancy`` scope."""
    from vendor_registry.organisations import tenancy

    if scope == tenancy.ALL:
        return ALL_VALUE
    if isinstance(scope, int) and not isinstance(scope, bool):
        return str(scope)
    return NOBODY_VALUE


def _current_value() -> str:
    from vendor_registry.organisations.tenancy import current_scope

    return setting_for(current_scope())


def _is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def apply(connection: Connection, value: str | None = None) -> None:
    """Make ``app.organisation`` ``value`` (default: the running scope) for the connection's
    next statements. Nothing is sent here: ``_set_before_statement`` sends the value just
    before the next statement, and only if it differs from what the transaction has. Why
    lazily: a request's sign-in went through four values (``none`` when the transaction began,
    ``all`` for the lookup, ``none`` again, the person's organisation), a round trip each,
    which was a third of a kept page's time on PostgreSQL (issue 15); it now sends two."""
    connection.info[_WANTED] = _current_value() if value is None else value


def _set_before_statement(connection: Connection, cursor: Any, statement: str, _parameters: Any,
                          context: Any, _executemany: bool) -> None:
    """Engine event, before every statement SQLAlchemy sends (ORM, Core, text and driver SQL
    alike): the wanted value goes first if the transaction does not have it. On the driver's
    connection, so that statement listeners and counters do not see it. Statements on the
    driver's own cursors (``bulkwrite``'s COPY and staging, the data stamp) read or write no
    table the policies guard."""
    info = connection.info
    wanted = info.get(_WANTED)
    if wanted is None or info.get(_SET_ON) == wanted or statement.startswith(_TRANSACTION_CONTROL):
        return  # a savepoint's ROLLBACK TO may follow an error: nothing else may run before it
    if context is not None and context.execution_options.get(SCOPE_FREE):
        return  # reads no guarded table: the value goes with the next statement that may
    cursor.connection.execute(_SET_SQL, (wanted,))
    info[_SET_ON] = wanted


def sync() -> None:
    """The scope changed inside a transaction (``enter_request_scope`` after the user loader's
    query, a ``within_organisation`` block): set it on the session's connection now, so that a
    flush or a Core statement on ``session.connection()`` that follows runs with it."""
    from flask import has_app_context

    if not has_app_context():
        return
    from vendor_registry.extensions import db

    if not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        apply(session.connection())


def _on_begin(connection: Connection) -> None:
    """Engine event: every transaction on every connection starts with the running scope."""
    connection.info.pop(_SET_ON, None)  # a new transaction: what was set before is gone
    apply(connection)


def _forget_on_savepoint_rollback(connection: Connection, _name: Any, _context: Any) -> None:
    """A rolled back savepoint undoes a ``set_config`` made after it: set it again next time."""
    connection.info.pop(_SET_ON, None)


def _on_session_begin(session: Session, _transaction: Any, connection: Connection) -> None:
    """Session event: a session that joins an outer transaction (a savepoint: the tests, nested
    work) sets the scope of now, not the one the outer transaction began with."""
    if _is_postgresql(connection):
        apply(connection)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """A flush writes with the scope of now (it may have changed since the last statement)."""
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        apply(session.connection())


def _on_execute(state: ORMExecuteState) -> None:
    """Session event, before every statement: the scope may have changed since the transaction
    began; a statement that crosses organisations on purpose runs with ``all``."""
    session = state.session
    bind = session.get_bind(**state.bind_arguments)
    if getattr(bind, "dialect", None) is None or bind.dialect.name != "postgresql":
        return
    connection = session.connection(bind_arguments=state.bind_arguments)
    # A refresh of an object the session already holds (expired after a commit) reads it
    # whatever the scope: the object crossed the wall when it was loaded (the account a
    # sign-in found across organisations is refreshed after the sign-in's read transaction).
    crossing = state.execution_options.get("all_organisations") or (state.is_select and state.is_column_load)
    if not crossing:
        apply(connection)
        return
    previous = _current_value()
    apply(connection, ALL_VALUE)
    try:
        # psycopg fetches the whole answer on execute: the policies saw ``all`` for every row.
        return state.invoke_statement()
    except Exception:
        # The transaction (or savepoint) failed and goes back, its setting with it.
        connection.info.pop(_SET_ON, None)
        raise
    finally:
        apply(connection, previous)  # sent before the next statement, whatever it is


def set_role_on_connect(engine: Engine, role: str) -> None:
    """Every new connection of ``engine`` runs as ``role`` (one that row-level security binds)."""

    @event.listens_for(engine, "connect")
    def _set_role(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET ROLE " + quote_identifier(role))
        cursor.close()
        dbapi_connection.commit()  # a SET inside a rolled-back transaction would be undone


def bypassing_role(connection: Connection) -> str | None:
    """The name of the role this connection runs as when row-level security does not bind it
    (a superuser, BYPASSRLS), else None (and None on SQLite)."""
    if not _is_postgresql(connection):
        return None
    row = connection.execute(text(
        "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    return row[0] if row[1] else None


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def install(engine: Engine, role: str | None) -> None:
    """Wire the setting to ``engine`` (PostgreSQL only; idempotent for the session events)."""
    if engine.dialect.name != "postgresql":
        return
    if role:
        set_role_on_connect(engine, role)
    if not event.contains(engine, "begin", _on_begin):
        event.listen(engine, "before_cursor_execute", _set_before_statement)
        event.listen(engine, "begin", _on_begin)
        event.listen(engine, "rollback_savepoint", _forget_on_savepoint_rollback)
    if not event.contains(Session, "after_begin", _on_session_begin):
        event.listen(Session, "after_begin", _on_session_begin)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_flush", _before_flush)
