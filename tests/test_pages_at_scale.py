"""Issue 15, pages second pass: what keeps the list, the search, the flag queue and the navigation
badge cheap at 20,000 providers. The plans are SQLite's (PostgreSQL plans by its statistics);
the results are checked on both databases."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from tests.factories import make_provider, make_user
from tests.flags.test_views import make_flag
from vendor_registry import clock
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus, Role
from vendor_registry.extensions import db
from vendor_registry.flags import whats_new
from vendor_registry.flags.queries import FlagFilters, flag_query, paginate_flags
from vendor_registry.standing.listing import (
    LIST_COLUMNS,
    ProviderFilters,
    paginate_providers,
    provider_query,
)


@contextmanager
def captured():
    """Every (statement, parameters) sent inside the block."""
    seen: list[tuple[str, object]] = []

    def _record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", _record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _record)


def sqlite_plan(statement: str, parameters) -> str:
    rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return " | ".join(row[-1] for row in rows)


def test_badge_counts_from_its_two_indexes(app, db_session):
    supervisor = make_user(Role.SUPERVISOR)
    officer = make_user(Role.PROCUREMENT_OFFICER, notices_seen_at=clock.utcnow() - timedelta(days=1))
    make_flag(severity=FlagSeverity.CRITICAL, assignee_id=supervisor.id)
    make_flag(severity=FlagSeverity.HIGH, rule=FlagRule.CHECK_OVERDUE, subject_key="check:x")
    make_flag(severity=FlagSeverity.LOW, status=FlagStatus.ACKNOWLEDGED)
    make_flag(severity=FlagSeverity.CRITICAL, status=FlagStatus.RESOLVED)
    for user, expected in ((supervisor, 3), (officer, 1)):  # supervisor: 2 urgent + 1 assigned
        with captured() as seen:
            assert whats_new.badge_count(user) == expected
        assert len(seen) == 1
        if db.engine.dialect.name == "sqlite":
            plan = sqlite_plan(*seen[0])
            assert "ix_flags_assignee_status" in plan and "ix_flags_urgent" in plan, plan
            assert "ix_flags_status_rule_severity" not in plan, plan


def test_search_tests_the_code_filters_before_the_text(app, db_session):
    match = make_provider(name="Trygga Hem", kinds=["protected_housing"], counties_served=["12"])
    make_provider(name="Trygga Vägen", kinds=["hvb"], counties_served=["12"])
    make_provider(name="Annat", kinds=["protected_housing"], counties_served=["12"])
    filters = ProviderFilters(q="trygg", kinds=["protected_housing"], counties=["12"])
    sql = " ".join(str(provider_query(filters).compile(db.engine)).lower().split())
    where = sql[sql.index(" where "):]
    assert where.index("kinds") < where.index("counties_served") < where.index("lower(providers.name)")
    page = paginate_providers(filters, 1, 25)
    assert page.total == 1 and [p.id for p in page.items] == [match.id]


def test_list_page_rows_load_no_more_statements_than_a_page(app, db_session, statement_counter):
    """Only the shown columns are loaded: reading them (as the template does) adds no statement."""
    for i in range(30):
        make_provider(name=f"Utförare {i:02d}", municipality="Malmö")
    db.session.expire_all()
    with statement_counter() as statements:
        page = paginate_providers(ProviderFilters(), 1, 25, columns=LIST_COLUMNS)
        shown = [(p.name, p.municipality, p.org_number, p.kinds, p.county, p.status) for p in page.items]
    assert len(statements) == 2 and len(shown) == 25 and page.total >= 30


def test_list_sorts_read_their_index(app, db_session):
    if db.engine.dialect.name != "sqlite":
        return
    for sort, index in (("updated", "ix_providers_updated_at_id"), ("county", "ix_providers_county_name_id")):
        stmt = provider_query(ProviderFilters(sort=sort)).limit(25)
        with captured() as seen:
            db.session.execute(stmt).all()
        plan = sqlite_plan(*next(s for s in seen if s[0].lstrip().upper().startswith("SELECT")))
        assert index in plan and "TEMP B-TREE" not in plan, (sort, plan)


def test_queue_rows_load_no_more_statements_than_a_page(app, db_session, statement_counter):
    officer = make_user(Role.SUPERVISOR)
    for i in range(3):
        make_flag(assignee_id=officer.id, acknowledged_by_id=officer.id, subject_key=f"s{i}",
                  provider=make_provider(county="12"))
    db.session.expire_all()
    with statement_counter() as statements:
        page = paginate_flags(FlagFilters(), 1, 50)
        shown = [(f.provider.name, f.provider.status, f.provider.county, f.assignee.name, f.acknowledged_by.name,
                  f.message, f.version) for f in page.items]
    assert len(statements) == 2 and len(shown) == 3


def test_queue_pages_pick_ids_first_and_keep_the_order(app, db_session, statement_counter):
    """A deep page joins only its own rows (the ids come from a subquery in the queue's order,
    joined by key)
    and holds the same flags, in the same order, as LIMIT/OFFSET over the whole queue."""
    now = clock.utcnow()
    for i, severity in enumerate([FlagSeverity.LOW, FlagSeverity.CRITICAL, FlagSeverity.HIGH] * 4):
        make_flag(severity=severity, raised_at=now - timedelta(days=i), subject_key=f"deep{i}",
                  provider=make_provider(county="12" if i % 2 else "01"))
    make_flag(status=FlagStatus.RESOLVED, subject_key="gone")
    for filters in (FlagFilters(), FlagFilters(county="12")):
        whole = [f.id for f in db.session.scalars(
            flag_query(filters))]
        pages = []
        for page in (1, 2, 3):
            with statement_counter() as statements:
                pages.append([f.id for f in paginate_flags(filters, page, 5).items])
            assert len(statements) == 2
            sql = " ".join(statements[0].lower().split())
            form = " in (select " if db.engine.dialect.name == "sqlite" else " join (select flags.id "
            assert form in sql and " limit " in sql, sql  # the page's ids first
        assert pages == [whole[0:5], whole[5:10], whole[10:15]]


def test_a_sweep_reads_a_rules_live_flags_by_the_rule(app, db_session):
    """Each of the fourteen rules reads its own live flags every sweep: SQLite must seek to the
    rule (status, then rule) rather than walk every rule's live flags (migration 0021)."""
    from vendor_registry.flags.reconcile import _live_flags

    make_flag(severity=FlagSeverity.HIGH, rule=FlagRule.CHECK_OVERDUE, subject_key="check:x")
    mine = make_flag(severity=FlagSeverity.LOW, rule=FlagRule.CHECK_ERROR, subject_key="check:y")
    with captured() as seen:
        live = _live_flags(db.session, FlagRule.CHECK_ERROR, sa.true())
    assert [flag.id for flag in live] == [mine.id]
    if db.engine.dialect.name == "sqlite":
        plan = sqlite_plan(*seen[0])
        assert "ix_flags_status_rule_severity (status=? AND rule=?)" in plan, plan


def test_required_checks_of_a_page_read_only_its_providers(app, db_session):
    """A page asks which checks its 25 providers need: the policy is matched against the kinds
    of those providers, not of every provider (4 of the list's 7 ms of SQL at 20,000)."""
    from vendor_registry.background_checks.queries import required_check_intervals

    shown = make_provider(kinds=["hvb"])
    make_provider(kinds=["protected_housing"])
    with captured() as seen:
        intervals = required_check_intervals([shown.id])
    assert set(intervals) == {shown.id} and intervals[shown.id]
    if db.engine.dialect.name == "sqlite":
        plan = sqlite_plan(*seen[0])
        assert "SCAN providers" not in plan, plan
