"""The registry's data stamp: one number that changes whenever a committed transaction wrote.

Why: a rendered page may be served again (``pagecache``) only while nothing it shows has
changed. Listing what each page reads would drift as pages grow; instead the engine notes every
statement that changed a row and, just before such a transaction commits, bumps the single row
of ``data_stamps`` in the same transaction. The stamp is exact for every writer that goes
through the app's engine: forms, the API, jobs, the command line, Core and raw SQL alike.

Why a page built after reading the stamp is never older than the stamp: on SQLite a request's
reads share one snapshot (its deferred transaction), so the stamp and the data agree; on
PostgreSQL (read committed) every statement after the stamp's sees at least what it saw. A page
can only be newer than its stamp, and the next reader then sees a newer stamp anyway.

What does not bump: statements that changed no row (an ``ON CONFLICT DO NOTHING`` that did
nothing, a conditional update that matched none), the job runner's own bookkeeping
(``job_runs``: heartbeats every few seconds, shown on no reused page), and migrations (their
connection is ``exempt``: a downgrade may drop ``data_stamps`` itself, and a schema change comes
with a restart, which empties the kept pages). Writes from outside the app (``psql``) are not
seen; a reused page is never older than the minute (see ``pagecache``).

Savepoints do not bump: a released savepoint's writes become visible at the outer COMMIT, which
bumps; bumping earlier would hold the stamp's row lock (PostgreSQL) for the rest of the outer
transaction, where two writers could deadlock on it.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import DDL, BigInteger, Integer, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from vendor_registry import clock
from vendor_registry.extensions import db
from vendor_registry.organisations import rls

#: Tables whose writes change nothing a reused page shows.
IGNORED_TABLES = frozenset({"job_runs"})
_KEY = "vendor_registry.datastamp"
_EXEMPT = "vendor_registry.datastamp.exempt"
_WROTE = "wrote"
_DML = re.compile(r"\s*(?:insert|update|delete|replace|merge|truncate)\b", re.IGNORECASE)
_CTE_DML = re.compile(r"\s*with\b.*\b(?:insert|update|delete)\b", re.IGNORECASE | re.DOTALL)
_TARGET = re.compile(
    r'\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into|truncate(?:\s+table)?)\s+"?(\w+)',
    re.IGNORECASE)
_BUMP = "UPDATE data_stamps SET value = value + 1 WHERE id = 1"
# data_stamps has no policies: reading it needs no organisation scope sent first (a kept page's
# request is then the sign-in lookup and this read, nothing else).
_READ = text("SELECT value FROM data_stamps WHERE id = 1").execution_options(**{rls.SCOPE_FREE: True})


class DataStamp(db.Model):
    """One row: the number of committed transactions that changed data (see the module)."""

    __tablename__ = "data_stamps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


# A schema built from the metadata (tests, a fresh database without migrations) has its row too.
event.listen(DataStamp.__table__, "after_create", DDL("INSERT INTO data_stamps (id, value) VALUES (1, 0)"))


def current(session: Any) -> int | None:
    """The stamp as this transaction sees it, or None when it does not describe what this
    transaction sees: no row, or the connection holds writes of its own not yet committed (they
    bump the stamp only at COMMIT). None means nothing may be reused or kept."""
    if session.connection().info.get(_KEY) is not None:
        return None
    return session.execute(_READ).scalar()


def moment(session: Any) -> tuple[int, datetime] | None:
    """The part of a kept thing's key that says "nothing changed": the stamp and the current
    minute (what follows the clock shows within a minute); None when nothing may be kept."""
    stamp = current(session)
    return None if stamp is None else (stamp, clock.utcnow().replace(second=0, microsecond=0))


def writes(statement: str) -> bool:
    """Whether a statement may change rows a page shows: DML (a CTE ending in DML too), unless
    its target is an ignored table. Reads and DDL do not."""
    if not _DML.match(statement) and not _CTE_DML.match(statement):
        return False
    target = _TARGET.match(statement)
    return not (target and target.group(1).lower() in IGNORED_TABLES)


def exempt(connection: Any) -> None:
    """This connection's writes never bump the stamp, until it goes back to the pool (a
    migration's)."""
    connection.info[_EXEMPT] = True


def note_write(connection: Any) -> None:
    """Rows were written on ``connection`` outside SQLAlchemy's statements (a COPY on the
    driver's cursor): bump the stamp at this transaction's commit, as for any write."""
    if not connection.info.get(_EXEMPT):
        connection.info[_KEY] = _WROTE


def install(engine: Engine) -> None:
    """Note writes per connection; bump the stamp at the commit of a transaction that wrote."""

    @event.listens_for(engine, "after_cursor_execute")
    def _note(connection: Any, cursor: Any, statement: str, _parameters: Any, _context: Any,
              _executemany: bool) -> None:
        if cursor.rowcount != 0 and writes(statement):
            note_write(connection)

    @event.listens_for(engine, "commit")
    def _bump(connection: Any) -> None:
        # Runs just before the DBAPI commit, on the same transaction: the raw cursor keeps the
        # bump out of SQLAlchemy's events (and out of statement counters).
        if connection.info.pop(_KEY, None) != _WROTE:
            return
        cursor = connection.connection.cursor()
        try:
            cursor.execute(_BUMP)
        finally:
            cursor.close()

    @event.listens_for(engine, "rollback")
    def _forget(connection: Any) -> None:
        connection.info.pop(_KEY, None)

    @event.listens_for(engine, "checkin")
    def _forget_on_return(_dbapi_connection: Any, record: Any) -> None:
        record.info.pop(_KEY, None)
        record.info.pop(_EXEMPT, None)
