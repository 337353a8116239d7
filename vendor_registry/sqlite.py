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
* One writer at a time per process, in turn (a "writer gate"): a thread that is about to
  ``BEGIN IMMEDIATE`` first waits on a process-wide lock, held until its transaction ends. SQLite's
  own busy handler is not a queue but polling with sleeps of up to 100 ms, so among many waiting
  threads (a threaded server under load) a newcomer often wins over one that has waited long,
  and some writes then starve past the busy timeout ("database is locked", found under load:
  issue 17). Behind the gate, threads queue without polling, and only one thread per process
  waits in SQLite's busy handler (for the other processes' writers). The gate's wait is bounded by
  the busy timeout as well.
* A connection going back to the pool with a transaction still open (a COMMIT that failed
  leaves one) is rolled back, so the next request does not meet "cannot start a transaction
  within a transaction".

PostgreSQL needs none of this; every listener here is installed for SQLite only.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

#: True inside a job batch that writes: its transactions begin IMMEDIATE on SQLite.
_write_intent: ContextVar[bool | None] = ContextVar("sqlite_write_intent", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READS_ONLY = "_sqlite_reads_only"
#: Key in a pooled connection's ``info``: this connection's transaction holds the writer gate.
_HOLDS_GATE = "sqlite_holds_writer_gate"


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


def end_reads(session: Any) -> None:
    """End a transaction that has only read, so that the writes that follow begin their own.

    On SQLite those then begin IMMEDIATE and wait their turn for the write lock, instead of
    upgrading the read snapshot (which fails at once when another connection wrote meanwhile);
    and slow work done before (a password hash) is not done while holding the write lock.
    Only for a session with no unsaved changes; it commits rather than rolls back, so that
    nothing flushed earlier in the same transaction could be lost."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_reads() with unsaved changes in the session")
    session.commit()


def install(engine: Engine, busy_timeout_ms: int, cache_mb: int = 64) -> None:
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
        cursor.execute(f"PRAGMA cache_size={-1024 * int(cache_mb)}")  # negative: KiB, not pages
        cursor.close()

    gate = threading.Lock()
    wait_seconds = max(busy_timeout_ms, 0) / 1000

    def _release(info: dict) -> None:
        if info.pop(_HOLDS_GATE, False):
            gate.release()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not _begins_immediate():
            connection.exec_driver_sql("BEGIN")
            return
        if not gate.acquire(timeout=wait_seconds):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked (writer gate of this process)"))
        connection.info[_HOLDS_GATE] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection.info)
            raise

    # The gate is given back when the transaction ends, however it ends.
    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        _release(connection.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Any) -> None:
        _release(connection.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        try:
            if dbapi_connection is not None and getattr(dbapi_connection, "in_transaction", False):
                dbapi_connection.rollback()
        finally:
            _release(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        _release(record.info)

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        _release(record.info)
