"""What SQLite needs to serve the web app and the scheduler process on one file.

* WAL journal mode: readers never block the writer and the writer never blocks readers, so a
  page can be read while a sweep commits (the default rollback journal lets one idle reader
  hold every writer's COMMIT until the busy timeout runs out: "database is locked").
* A busy timeout: a writer waits for the other process's short write transaction instead of
  failing at once.
* ``BEGIN IMMEDIATE`` for transactions that will write (POST/PUT/PATCH/DELETE requests, job
  batches): the write lock is taken at the start, where SQLite's busy handler waits for it.
  A deferred transaction that reads first and writes later fails *without waiting* when
  another connection committed in between (SQLITE_BUSY_SNAPSHOT), which is what a web edit
  running beside a sweep would otherwise meet. Reads (GET) stay deferred and never wait.
* A connection going back to the pool with a transaction still open (a COMMIT that failed
  leaves one) is rolled back, so the next request does not meet "cannot start a transaction
  within a transaction".

PostgreSQL needs none of this; every listener here is installed for SQLite only.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: True inside a job batch that writes: its transactions begin IMMEDIATE on SQLite.
_write_intent: ContextVar[bool | None] = ContextVar("sqlite_write_intent", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READS_ONLY = "_sqlite_reads_only"


@contextmanager
def write_intent(value: bool = True) -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock at BEGIN (``value=True``),
    or stay deferred (``value=False``, e.g. while a job waits for an outside source)."""
    token = _write_intent.set(value)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _begins_immediate() -> bool:
    explicit = _write_intent.get()
    if explicit is not None:
        return explicit
    from flask import g, has_request_context, request

    return has_request_context() and request.method not in SAFE_METHODS and not g.get(READS_ONLY, False)


def reads_only_from_now() -> None:
    """For the rest of this request, begin deferred: the error page after a failed write only
    reads, and must not wait for (or fail on) the write lock again."""
    from flask import g, has_request_context

    if has_request_context():
        setattr(g, READS_ONLY, True)


def install(engine: Engine, busy_timeout_ms: int) -> None:
    """Connection pragmas, the BEGIN mode and the pool's safety rollback (SQLite only)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINTs, so SQLAlchemy emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; a no-op for :memory:
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, and commits stay cheap
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begins_immediate() else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None and getattr(dbapi_connection, "in_transaction", False):
            dbapi_connection.rollback()
