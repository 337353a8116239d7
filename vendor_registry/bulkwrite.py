"""Helpers that make bulk writes cheap at national scale (issue 15): the sweeps, the demo data
and audited bulk inserts.

A first sweep over 20,000 providers writes ~160,000 flags and as many audit events. Profiled,
two costs dominated that were neither SQL nor the rules:

- the cyclic garbage collector: the sweep builds hundreds of thousands of small dicts and
  tuples that live until the commit, so generation-2 collections walk them again and again
  (about 30 % of a sweep, measured with the collector on and off);
- SQLAlchemy's per-row parameter handling of ``executemany``: every row's dict goes through
  ``construct_params`` and every bound value through its type's processor, even values that
  are the same for all rows (the sweep's timestamp, the rule, the actor).

``paused_gc`` turns the collector off for the duration of a sweep (reference counting still
frees everything that is not in a cycle; nothing a sweep builds is); ``executemany_rows`` runs
a Core INSERT on the DB-API cursor with each column's bind processor applied by us, constants
once, so the values written are exactly those SQLAlchemy would write.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from vendor_registry import datastamp


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside; the previous setting comes back afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _prepared(dialect: Any, table: Table, columns: Sequence[str], constants: Mapping[str, Any]) -> Any:
    """A function from a row of ``columns`` to its values ready for the driver, ``constants``
    appended; every value (None too) goes through its column's bind processor, as SQLAlchemy
    does. The DB-API cursor applies no Python-side column defaults: the caller gives them all."""
    names = [*columns, *constants]
    missing = [c.name for c in table.c if c.default is not None and c.name not in names]
    if missing:
        raise ValueError(f"bulk writes need values for the defaulted columns {missing}")

    def processor(name: str) -> Any:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    fixed = {name: (proc(value) if (proc := processor(name)) else value) for name, value in constants.items()}
    varying = [(i, proc) for i, name in enumerate(columns) if (proc := processor(name)) is not None]
    tail = [fixed[name] for name in constants]

    def prepared(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i, proc in varying:
            values[i] = proc(values[i])
        return values + tail

    return prepared


def executemany_rows(session: Session, stmt: Insert, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                     constants: Mapping[str, Any] | None = None) -> None:
    """``stmt`` (an INSERT, possibly with ``ON CONFLICT``) for every row of ``rows``; each row
    holds the values of ``columns`` in that order, ``constants`` are the same for all rows.
    Values go through the column types' bind processors as in ``session.execute``."""
    if not rows:
        return
    constants = dict(constants or {})
    connection = session.connection()
    dialect = connection.dialect
    table = stmt.table
    names = [*columns, *constants]
    prepared = _prepared(dialect, table, columns, constants)
    # inline(): no implicit RETURNING of the primary key, nothing is read back.
    compiled = stmt.values({name: bindparam(name) for name in names}).inline().compile(dialect=dialect)
    if compiled.positional:  # SQLite: the cursor's executemany is a loop in C
        order = [names.index(name) for name in compiled.positiontup]
        connection.exec_driver_sql(compiled.string, [tuple(values[i] for i in order) for values in map(prepared, rows)])
        return
    # PostgreSQL: psycopg's executemany sends one statement per row (pipelined), and multi-row
    # VALUES would need a statement per few thousand rows (65,535 parameters at most). The rows
    # go by COPY into a temporary table, then one INSERT ... SELECT carries the ON CONFLICT
    # clause that COPY cannot. Measured on 102,838 flags: 3.1 s, where one INSERT ... SELECT
    # FROM unnest(one array per column) took 4.5-4.9 s (its text and JSON arrays are slow to
    # build and read) and a pipelined executemany 5.5 s. Unnest stays the way for a role that
    # may not make temporary tables.
    suffix = compiled.string[compiled.string.rindex(")") + 1:]  # after the VALUES group: ON CONFLICT …
    quote = dialect.identifier_preparer

    def sql_type(name: str) -> str:
        return table.c[name].type.compile(dialect=dialect)

    target = (f"INSERT INTO {quote.format_table(table)} "
              f"({', '.join(quote.format_column(table.c[n]) for n in names)}) ")
    constants_sql = [f"%s::{sql_type(name)}" for name in constants]
    aliases = [f"c{i}" for i in range(len(columns))]
    prepared_rows = [prepared(row) for row in rows]
    tail = prepared_rows[0][len(columns):]  # the constants, in the SELECT list before the rows
    if _temp_allowed(connection):
        staging = f"bulk_{table.name}"
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {staging} (n integer, "
                           f"{', '.join(f'{a} {sql_type(name)}' for a, name in zip(aliases, columns))}) "
                           "ON COMMIT DROP")
            with cursor.copy(f"COPY {staging} FROM STDIN") as copy:
                for n, values in enumerate(prepared_rows):
                    copy.write_row((n, *values[:len(columns)]))
        # In the rows' order (see the callers: lock order), seen by SQLAlchemy's events.
        connection.exec_driver_sql(
            f"{target}SELECT {', '.join([*aliases, *constants_sql])} FROM {staging} ORDER BY n{suffix}", tuple(tail))
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {staging}")
        return
    selected = [f"u.{alias}" for alias in aliases] + constants_sql
    arrays = ", ".join(f"%s::{sql_type(name)}[]" for name in columns)
    sql = f"{target}SELECT {', '.join(selected)} FROM unnest({arrays}) AS u({', '.join(aliases)}){suffix}"
    params = tuple(tail) + tuple([values[i] for values in prepared_rows] for i in range(len(columns)))
    connection.exec_driver_sql(sql, params)


def _temp_allowed(connection: Any) -> bool:
    """May this connection's role make temporary tables (``TEMPORARY`` on the database, which
    PostgreSQL grants to everybody unless revoked)? Remembered per connection."""
    info = connection.info
    if "bulkwrite_temp_allowed" not in info:  # on the driver's cursor, as _copy_allowed
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
            info["bulkwrite_temp_allowed"] = bool(cursor.fetchone()[0])
    return info["bulkwrite_temp_allowed"]


def copy_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              constants: Mapping[str, Any] | None = None) -> None:
    """Plain inserts of ``rows`` (as ``executemany_rows``, no ON CONFLICT). On PostgreSQL with
    COPY where row-level security allows it, else a pipelined executemany. Measured on 50,000
    audit events: COPY 0.45 s, executemany 0.96 s, one INSERT from unnest() 1.98 s (its JSON
    arrays are slow to build and read). COPY runs on the driver's cursor, out of SQLAlchemy's
    sight: the data stamp is told of the write here."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        executemany_rows(session, insert(table), columns, rows, constants)
        return
    constants = dict(constants or {})
    prepared = _prepared(connection.dialect, table, columns, constants)
    quote = connection.dialect.identifier_preparer
    names = [*columns, *constants]
    quoted = ", ".join(quote.format_column(table.c[name]) for name in names)
    if not _copy_allowed(connection, table):
        placeholders = ", ".join(["%s"] * len(names))
        connection.exec_driver_sql(f"INSERT INTO {quote.format_table(table)} ({quoted}) VALUES ({placeholders})",
                                   [tuple(prepared(row)) for row in rows])
        return
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {quote.format_table(table)} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(prepared(row))
    datastamp.note_write(connection)


def _copy_allowed(connection: Any, table: Table) -> bool:
    """PostgreSQL refuses COPY FROM into a table whose row-level security applies to the role
    (the production set-up: ``organisations/rls.py``); remembered per connection and table."""
    known: dict[str, bool] = connection.info.setdefault("bulkwrite_copy_allowed", {})
    if table.name not in known:  # on the driver's cursor: statement counters count the same each time
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute("SELECT NOT c.relrowsecurity OR r.rolsuper OR r.rolbypassrls FROM pg_class c, pg_roles r "
                           "WHERE c.oid = to_regclass(%s) AND r.rolname = current_user", (table.name,))
            known[table.name] = bool(cursor.fetchone()[0])
    return known[table.name]


def insert_dicts(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows``, dicts that all have the same keys, with ``copy_rows``; the
    table's Python-side defaults are filled in for the columns the rows leave out, as
    ``session.execute(insert(table), rows)`` would. A key with None is written as NULL."""
    if not rows:
        return
    columns = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.c:
        default = column.default
        if default is None or column.name in columns:
            continue
        if default.is_scalar:
            defaults[column.name] = default.arg
        elif default.is_callable:  # SQLAlchemy wraps a plain function to take the execution context
            defaults[column.name] = default.arg(None)
        else:
            raise ValueError(f"insert_dicts cannot compute the default of {table.name}.{column.name}")
    copy_rows(session, table, columns, [tuple(row[name] for name in columns) for row in rows], defaults)
