"""Two helpers that make a sweep's bulk writes cheap at national scale (issue 15).

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

from sqlalchemy import bindparam
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


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
    # The DB-API cursor applies no Python-side column defaults: the caller must give them all.
    missing = [c.name for c in table.c if c.default is not None and c.name not in names]
    if missing:
        raise ValueError(f"executemany_rows needs values for the defaulted columns {missing}")
    # inline(): no implicit RETURNING of the primary key, nothing is read back.
    compiled = stmt.values({name: bindparam(name) for name in names}).inline().compile(dialect=dialect)

    def processor(name: str) -> Any:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    # As SQLAlchemy does, every value (None too) goes through its column's processor, if any.
    fixed = {name: (proc(value) if (proc := processor(name)) else value) for name, value in constants.items()}
    varying = [(i, proc) for i, name in enumerate(columns) if (proc := processor(name)) is not None]
    tail = [fixed[name] for name in constants]

    def prepared(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i, proc in varying:
            values[i] = proc(values[i])
        return values + tail

    if compiled.positional:  # SQLite: the cursor's executemany is a loop in C
        order = [names.index(name) for name in compiled.positiontup]
        connection.exec_driver_sql(compiled.string, [tuple(values[i] for i in order) for values in map(prepared, rows)])
        return
    # PostgreSQL: psycopg's executemany sends one statement per row (pipelined, several times
    # slower), and multi-row VALUES would need a statement per few thousand rows (65,535
    # parameters at most). One INSERT ... SELECT FROM unnest(one array per column) keeps it one
    # statement whatever the number of rows.
    suffix = compiled.string[compiled.string.rindex(")") + 1:]  # after the VALUES group: ON CONFLICT …
    quote = dialect.identifier_preparer

    def sql_type(name: str) -> str:
        return table.c[name].type.compile(dialect=dialect)

    aliases = [f"c{i}" for i in range(len(columns))]
    selected = [f"u.{alias}" for alias in aliases] + [f"%s::{sql_type(name)}" for name in constants]
    arrays = ", ".join(f"%s::{sql_type(name)}[]" for name in columns)
    sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.format_column(table.c[n]) for n in names)}) "
           f"SELECT {', '.join(selected)} FROM unnest({arrays}) AS u({', '.join(aliases)}){suffix}")
    prepared_rows = [prepared(row) for row in rows]
    # In the statement's order: the constants (in the SELECT list) come before the arrays.
    params = tuple(tail) + tuple([values[i] for values in prepared_rows] for i in range(len(columns)))
    connection.exec_driver_sql(sql, params)
