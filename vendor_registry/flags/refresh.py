"""Flags follow the facts at once: the rules run for the providers a transaction touched.

The nightly sweeps only catch what time changes (an end date passing, an interval running
out). A fact someone records — a revoked permit, a failed check, a valid licence that was
missing — must change the flags in the same transaction, or the flag queue and matching show
yesterday's verdict. Rather than asking every service to remember a call, one session hook
does it, like the audit listener: ``after_flush`` notes which providers had rows changed in the
tables the rules read, and ``before_commit`` runs the affected rules for those providers only,
through the very reconciliation the sweeps use (``reconcile.reconcile`` with a provider scope).

Why it cannot double-run or loop: the touched set is taken out of ``session.info`` before the
rules run, and the reconciliation writes with Core statements, which no ``after_flush`` sees.
The sweeps set ``suspended`` around their own work, so a sweep never triggers a refresh.

Whose writes count: those of an identified actor (a person in a request, an API token, a job,
a CLI command — every write path of the application names one, see ``audit.context``). Writes
under the anonymous fallback ``SYSTEM`` — a Python shell, test fixtures building a scene — are
left to the sweeps, so a fixture can set up flags and facts in any order it likes.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from vendor_registry import clock
from vendor_registry.audit.context import SYSTEM, current_actor
from vendor_registry.bulkwrite import paused_gc
from vendor_registry.codes import FlagRule
from vendor_registry.database import deleted_in_flush, utcnow
from vendor_registry.flags.reconcile import ReconcileCounts, reconcile
from vendor_registry.flags.rules import RuleContext, all_rules, remembered_translations
from vendor_registry.organisations.rls import quote_identifier
from vendor_registry.organisations.tenancy import across_organisations

log = logging.getLogger(__name__)

TOUCHED_KEY = "flags_touched_providers"
SUSPENDED_KEY = "flags_refresh_suspended"

_LICENCE_RULES = (FlagRule.LICENCE_MISSING, FlagRule.LICENCE_LAPSED, FlagRule.LICENCE_EXPIRING,
                  FlagRule.LICENCE_UNVERIFIED, FlagRule.LICENCE_MISMATCH)
_CHECK_RULES = (FlagRule.CHECK_OVERDUE, FlagRule.CHECK_FAILED, FlagRule.CHECK_ERROR)

#: Which rules read which table. ``None``: every rule (a provider's status, kinds and ownership
#: decide whether and how every rule applies to it).
TABLE_RULES: dict[str, tuple[FlagRule, ...] | None] = {
    "providers": None,
    # An organisation's approval decides its own rules' scope, and (in any organisation) the
    # shared rules' scope and licence_missing's severity (issue 14).
    "provider_approvals": None,
    "licences": _LICENCE_RULES,
    # An IVO register check carries the register's answer that licence_mismatch compares.
    "background_checks": _CHECK_RULES + (FlagRule.LICENCE_MISMATCH,),
    "reviews": (FlagRule.REVIEW_MISSING, FlagRule.REVIEW_OVERDUE),
    "review_actions": (FlagRule.REVIEW_ACTIONS_OVERDUE,),
    "contracts": (FlagRule.CONTRACT_EXPIRING, FlagRule.CONTRACT_EXPIRED),
    "provider_methods": (FlagRule.CERTIFICATION_EXPIRED,),
}

#: Providers per scoped run: a bulk import touching thousands runs the rules once per batch,
#: so no ``IN`` list exceeds the parameter limits, and SQLite's plans stay fast (measured on
#: the demo's 20,000: ``review_overdue`` takes 17 ms for 500 ids and 6.9 s for 5,000).
SCOPE_BATCH = 500
#: PostgreSQL binds the scope as one array (``idsets.among``), so it takes ten times as many
#: per batch: each batch costs every rule's statements again (40 batches ended demo data).
POSTGRESQL_BATCHES_LARGER = 10


def refresh_provider_flags(session: Session, provider_ids: Iterable[int], *,
                           rules: Iterable[FlagRule] | None = None, settings: Any = None,
                           today: date | None = None,
                           now: datetime | None = None) -> ReconcileCounts:
    """Run ``rules`` (default: all) for ``provider_ids`` and make their flags agree; flushes
    nothing through the ORM, the caller commits. The number of statements depends on the rules
    (and on the number of batches of SCOPE_BATCH providers), not on the registry's size."""
    ids = sorted({int(pid) for pid in provider_ids})
    total = ReconcileCounts()
    if not ids:
        return total
    wanted = set(rules) if rules is not None else None
    selected = {rule: fn for rule, fn in all_rules().items() if wanted is None or rule in wanted}
    now = now or utcnow()
    today = today or clock.today(now)
    actor = current_actor()  # the flag changes are the writer's, like every other service's
    settings = settings or current_app.config
    # Across organisations, also in a person's request: a fact that changed is judged for every
    # organisation at once (the shared rules read approvals in any organisation; the own rules
    # raise and resolve each organisation's flags), in the same statements whatever their number.
    if len(ids) > SCOPE_BATCH:
        refresh_planner_statistics(session)
    batch = SCOPE_BATCH * (POSTGRESQL_BATCHES_LARGER if session.get_bind().dialect.name == "postgresql" else 1)
    with suspended(session), across_organisations(), force_locale("sv"), remembered_translations(), paused_gc():
        for start in range(0, len(ids), batch):
            scope = frozenset(ids[start:start + batch])
            ctx = RuleContext(session=session, today=today, settings=settings, provider_ids=scope)
            for rule, compute in selected.items():
                total.add(reconcile(session, rule, compute(ctx), now=now, today=today, actor=actor,
                                    provider_ids=scope))
    return total


def refresh_planner_statistics(session: Session) -> None:
    """Before judging thousands of providers a transaction wrote (demo data, a bulk import),
    PostgreSQL's planner is told what the transaction holds: its statistics predate those rows,
    and with none it read every register check for each batch of 500 providers (15 s a batch,
    ten minutes for ``demo-data --providers 20000``). ANALYZE runs inside the transaction and
    sees its rows. SQLite keeps no statistics by default, and its plans are made unambiguous by
    the schema.

    Only the tables' owner may ANALYZE them. With ``DATABASE_ROLE`` the app's statements run as
    a role that row-level security binds and that owns nothing, and PostgreSQL skipped every
    table with a warning: the same demo data took 137 s instead of 38 s. The login that
    switched to that role is the owner that ran the migrations, so this one statement runs as
    the login (``SET LOCAL ROLE NONE``) and the app's role is back for the rest of the
    transaction, and after it whatever happens. A login that owns nothing either is warned as
    before; the judgement is then slow, not wrong."""
    if session.get_bind().dialect.name != "postgresql":
        return
    current_role, login = session.execute(text("SELECT current_user, session_user")).one()
    if current_role == login:
        session.execute(text("ANALYZE"))
        return
    session.execute(text("SET LOCAL ROLE NONE"))
    session.execute(text("ANALYZE"))
    session.execute(text("SET LOCAL ROLE " + quote_identifier(current_role)))


@contextmanager
def suspended(session: Session) -> Iterator[None]:
    """No refresh is collected or run inside: the sweeps and the refresh itself use this."""
    before = session.info.get(SUSPENDED_KEY, False)
    session.info[SUSPENDED_KEY] = True
    try:
        yield
    finally:
        session.info[SUSPENDED_KEY] = before


def _touched(obj: Any) -> tuple[int, str] | None:
    table = getattr(obj, "__tablename__", None)
    if table not in TABLE_RULES:
        return None
    provider_id = obj.id if table == "providers" else getattr(obj, "provider_id", None)
    return (provider_id, table) if provider_id is not None else None


def _after_flush(session: Session, flush_context: Any) -> None:
    if session.info.get(SUSPENDED_KEY) or current_actor() is SYSTEM:
        return
    touched: dict[int, set[str]] = session.info.setdefault(TOUCHED_KEY, {})
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in (*session.new, *deleted_in_flush(session, flush_context), *dirty):
        found = _touched(obj)
        if found is not None:
            touched.setdefault(found[0], set()).add(found[1])


def note_written(session: Session, provider_ids: Iterable[int], table: str = "providers") -> None:
    """Rows of ``table`` written for ``provider_ids`` around the ORM's flush (an audited bulk
    insert: demo data, an import) are judged at the commit like a flushed change."""
    if session.info.get(SUSPENDED_KEY) or current_actor() is SYSTEM:
        return
    touched: dict[int, set[str]] = session.info.setdefault(TOUCHED_KEY, {})
    for provider_id in provider_ids:
        touched.setdefault(provider_id, set()).add(table)


def _rules_for(tables: Iterable[str]) -> set[FlagRule] | None:
    rules: set[FlagRule] = set()
    for table in tables:
        wanted = TABLE_RULES[table]
        if wanted is None:
            return None
        rules.update(wanted)
    return rules


def _before_commit(session: Session) -> None:
    if session.info.get(SUSPENDED_KEY):
        return
    session.flush()  # what is still pending is part of this transaction's facts
    touched: dict[int, set[str]] = session.info.pop(TOUCHED_KEY, None) or {}
    if not touched:
        return
    if not has_app_context():  # no settings to judge with; the nightly sweep will catch up
        log.warning("flags not refreshed for providers %s: no app context", sorted(touched))
        return
    tables = set().union(*touched.values())
    # In a savepoint: a failing rule must not cost the person their write. The write commits,
    # the error is logged, and the nightly sweep brings the flags up to date.
    try:
        with suspended(session), session.begin_nested():
            refresh_provider_flags(session, touched, rules=_rules_for(tables))
    except Exception:
        log.exception("flags not refreshed for providers %s; the nightly sweeps will catch up", sorted(touched))


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(TOUCHED_KEY, None)


def install() -> None:
    for name, fn in (("after_flush", _after_flush), ("before_commit", _before_commit),
                     ("after_soft_rollback", _after_soft_rollback)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
