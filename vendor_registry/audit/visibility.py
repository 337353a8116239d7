"""Which audit events an organisation reads: its own records' and the shared records' (issue 14).

Every event carries the changed record's organisation (``organisation_id``; empty for a shared
record: a provider, a licence, an automatic check) and the actor's. Inside an organisation's
scope every ORM read of ``AuditEvent`` — the log page, its CSV, a provider's history, a flag's
history in the API, the stale-edit message — gets ``organisation_id IS NULL OR = own``, the same
rule ``organisations/tenancy.py`` puts on shared-or-own rows, so no reader of the log can forget
it. A job or the command line (``ALL``) reads the whole log; nobody signed in reads only the
shared events. Events are written with Core inserts (``audit/listener.py``), which this leaves
alone.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from vendor_registry.audit.models import AuditEvent
from vendor_registry.organisations import tenancy


def reading_scope() -> int | None:
    """The organisation whose view of the log is being read; None for the whole installation."""
    scope = tenancy.current_scope()
    if scope == tenancy.ALL:
        return None
    return scope if isinstance(scope, int) else tenancy.NO_ORGANISATION


def _visible_events(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get("all_organisations"):
        return
    organisation_id = reading_scope()
    if organisation_id is None:
        return
    state.statement = state.statement.options(with_loader_criteria(
        AuditEvent, tenancy.shared_or_own(organisation_id, state.session.get_bind().dialect.name),
        include_aliases=True,
    ))


def install() -> None:
    if not event.contains(Session, "do_orm_execute", _visible_events):
        event.listen(Session, "do_orm_execute", _visible_events)
