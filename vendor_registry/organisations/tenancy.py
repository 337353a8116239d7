"""Which organisation the current request or job acts within, and the filter every query gets.

The scope is one of: an organisation's id (a signed-in person or API token: everything own is
that organisation's), ``ALL`` (a scheduled job, the command line, a test's direct service call:
the installation as a whole) or ``NOBODY`` (a request before anyone has signed in: nothing own
is visible). A request's scope comes from the person Flask-Login or the API token loads, never
from what the request sends.

Every ORM SELECT, UPDATE and DELETE run inside an organisation's scope gets the filter of
``OwnedByOrganisation`` (own rows only) and ``SharedOrOwned`` (shared rows plus own), through
SQLAlchemy's ``with_loader_criteria`` (the "global filter" recipe), so a query that forgets the
organisation still sees nothing of another. Rows written without an organisation get the acting
one before the flush. On PostgreSQL, row-level security repeats the rule in the database
(``organisations/rls.py``).

Lookups that must cross organisations on purpose (finding the account at sign-in, the token of
an API call) pass ``execution_options(all_organisations=True)``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from vendor_registry.organisations.models import (
    Organisation,
    OwnedByOrganisation,
    SharedOrOwned,
)

ALL = "all"
NOBODY = "none"
#: The id no organisation has: the filter of a request in which nobody has signed in.
NO_ORGANISATION = 0
CROSS = {"all_organisations": True}

_override: ContextVar[int | str | None] = ContextVar("organisation_scope", default=None)


class NoOrganisation(PermissionError):
    """An own record was about to be written where no organisation acts (a request with nobody
    signed in): refused rather than filed under a guessed organisation."""


def current_scope() -> int | str:
    """The scope of the running code: an organisation id, ``ALL`` or ``NOBODY``."""
    scope = _override.get()
    if scope is not None:
        return scope
    if has_request_context():
        return g.get("organisation_scope", NOBODY)
    return ALL


def current_organisation_id() -> int | None:
    """The acting organisation's id; None for a job or the command line (all organisations)."""
    scope = current_scope()
    return scope if isinstance(scope, int) else None


def enter_request_scope(user: Any) -> None:
    """Called where a request's person is loaded (session cookie, API token, single sign-on)."""
    g.organisation_scope = user.organisation_id
    _sync_database()  # the user loader's query began the transaction with nobody's scope


def _sync_database() -> None:
    """Row-level security (PostgreSQL) reads the scope from the transaction: tell it now."""
    from vendor_registry.organisations import rls

    rls.sync()


@contextmanager
def within_organisation(organisation_id: int) -> Iterator[int]:
    """Run the block as organisation ``organisation_id`` (a job's per-organisation rules, CLI
    commands that act for one organisation, tests)."""
    token = _override.set(int(organisation_id))
    _sync_database()
    try:
        yield int(organisation_id)
    finally:
        _override.reset(token)
        _sync_database()


@contextmanager
def across_organisations() -> Iterator[None]:
    """Run the block over the whole installation (a sweep inside a request, the sign-in lookup)."""
    token = _override.set(ALL)
    _sync_database()
    try:
        yield
    finally:
        _override.reset(token)
        _sync_database()


def default_organisation_id() -> int:
    """The first organisation: where a single-organisation installation keeps everything, and
    whose approval decisions a job or CLI command reads when it reads ``Provider.status``.
    Cached per app: the first organisation never changes once the migration has made it."""
    cache = current_app.extensions.setdefault("vendor_registry.organisations", {})
    if "default" not in cache:
        from vendor_registry.extensions import db
        from vendor_registry.sqlite import write_intent

        # Its own connection: this may be asked while a statement is being executed (the
        # organisation parameter of ``Provider.status``), where the session cannot query. A
        # plain read: on SQLite it must not queue behind the writer gate its own caller holds.
        with write_intent(False), db.engine.connect() as connection:
            value = connection.execute(select(func.min(Organisation.__table__.c.id))).scalar()
        if value is None:
            raise NoOrganisation("the database has no organisation: run `flask db upgrade`")
        cache["default"] = int(value)
    return cache["default"]


def organisation_for_writes() -> int:
    """The organisation an own record written now belongs to: the acting one, or the first
    organisation when a job or the command line writes (a single-organisation installation)."""
    scope = current_scope()
    if isinstance(scope, int):
        return scope
    if scope == ALL:
        return default_organisation_id()
    raise NoOrganisation("no organisation acts in this request")


def reading_organisation_id() -> int:
    """Whose own decisions a read of per-organisation facts (approval status) shows: the acting
    organisation's, or the first one's for a job or the command line."""
    scope = current_scope()
    if isinstance(scope, int):
        return scope
    if scope == ALL:
        return default_organisation_id()
    return NO_ORGANISATION


def _filter_own_rows(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria already travel to loaders with the parent statement
    if state.execution_options.get("all_organisations"):
        return
    options = organisation_filter(state.session.get_bind().dialect.name)
    if options:
        state.statement = state.statement.options(*options)


def organisation_filter(dialect: str = "") -> tuple[Any, ...]:
    """The scope's filter as statement options: what every ORM statement gets, for code that
    runs an ORM-enabled SELECT on a plain connection (the matching loader's lean path).
    ``dialect`` chooses how "shared or own" is written (``shared_or_own``)."""
    scope = current_scope()
    if scope == ALL:
        return ()
    org_id = scope if isinstance(scope, int) else NO_ORGANISATION
    return (
        with_loader_criteria(OwnedByOrganisation, lambda cls: cls.organisation_id == org_id, include_aliases=True),
        with_loader_criteria(SharedOrOwned, shared_or_own(org_id, dialect), include_aliases=True),
    )


def shared_or_own(organisation_id: int, dialect: str) -> Callable[[Any], Any]:
    """The criterion "shared (no organisation) or this organisation's own", per database.

    It matches nearly every row (the shared ones). PostgreSQL's planner knows that from its
    statistics and gets the plain ``IS NULL OR =``. SQLite has no statistics: it read that OR
    through the organisation index in two passes instead of the selective index or ordered scan
    the statement otherwise had (the flag queue sorted every visible flag, the badge walked all
    shared ones), so there it is written as ``coalesce(column, :org) = :org``, which no index
    serves. (Written that way on PostgreSQL, the planner guessed one row in 200 and joined the
    queue's 10,000 live flags in nested loops: 136 ms for a page.)"""
    if dialect == "sqlite":
        return lambda cls: func.coalesce(cls.organisation_id, organisation_id) == organisation_id
    return lambda cls: or_(cls.organisation_id.is_(None), cls.organisation_id == organisation_id)


def mark_shared(obj: SharedOrOwned) -> SharedOrOwned:
    """Say that a row written in a person's request is a shared fact (an automatic register
    check, a licence's evidence): without this it is filed as the acting organisation's own."""
    obj.organisation_id = None
    obj._shared_on_purpose = True
    return obj


def _stamp_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """Own rows get the acting organisation before they are written. A shared-or-own row
    written in an organisation's request is its own unless ``mark_shared`` said otherwise
    (fail closed); a job's or the command line's stays shared."""
    own = [obj for obj in session.new
           if isinstance(obj, OwnedByOrganisation) and getattr(obj, "organisation_id", None) is None]
    scope = current_scope()
    maybe_own = [obj for obj in session.new
                 if isinstance(obj, SharedOrOwned) and obj.organisation_id is None
                 and not getattr(obj, "_shared_on_purpose", False)] if isinstance(scope, int) else []
    if not own and not maybe_own:
        return
    with session.no_autoflush:
        organisation_id = organisation_for_writes()
    for obj in own + maybe_own:
        obj.organisation_id = organisation_id


def install() -> None:
    """Listen on every session (idempotent: create_app may run many times in one process)."""
    if not event.contains(Session, "do_orm_execute", _filter_own_rows):
        event.listen(Session, "do_orm_execute", _filter_own_rows)
        event.listen(Session, "before_flush", _stamp_new_rows)
