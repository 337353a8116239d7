"""The flag queue at scale (issue 15): the order comes from the computed severity_sort column
through ix_flags_queue_order, the count needs no join unless a provider filter asks for one,
and the severity change of a bulk update reaches the sort key (the database computes it)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update

from tests.factories import make_provider
from tests.flags.test_views import make_flag
from vendor_registry import clock
from vendor_registry.codes import FlagSeverity, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.flags.queries import (
    FlagFilters,
    count_flags,
    flag_query,
    paginate_flags,
)


def test_queue_order_most_severe_then_oldest_and_follows_a_bulk_severity_change(app, db_session):
    now = clock.utcnow()
    old_low = make_flag(severity=FlagSeverity.LOW, raised_at=now - timedelta(days=9))
    new_crit = make_flag(severity=FlagSeverity.CRITICAL, raised_at=now - timedelta(days=1))
    old_crit = make_flag(severity=FlagSeverity.CRITICAL, raised_at=now - timedelta(days=5))
    medium = make_flag(severity=FlagSeverity.MEDIUM, raised_at=now - timedelta(days=20))
    make_flag(severity=FlagSeverity.HIGH, status=FlagStatus.RESOLVED)
    ids = [old_crit.id, new_crit.id, medium.id, old_low.id]
    queue = [f.id for f in db.session.scalars(flag_query(FlagFilters()).where(Flag.id.in_(ids)))]
    assert queue == ids
    # A Core update (as the sweeps write) changes severity; the computed key follows it.
    db.session.execute(update(Flag).where(Flag.id == old_low.id).values(severity=FlagSeverity.HIGH))
    queue = [f.id for f in db.session.scalars(flag_query(FlagFilters()).where(Flag.id.in_(ids)))]
    assert queue == [old_crit.id, new_crit.id, old_low.id, medium.id]


def test_count_joins_providers_only_for_a_provider_filter(app, db_session, statement_counter):
    make_flag(provider=make_provider(county="12"))
    make_flag(provider=make_provider(county="01"))
    make_flag(status=FlagStatus.DISMISSED)
    with statement_counter() as statements:
        assert count_flags(FlagFilters()) == 2
        assert count_flags(FlagFilters(county="12")) == 1
    assert "providers" not in statements[0].lower() and "join providers" in statements[1].lower()
    page = paginate_flags(FlagFilters(county="12"), 1, 25)
    assert page.total == 1 and page.items[0].provider.county == "12"


def test_sqlite_reads_the_queue_from_its_index(app, db_session):
    if db.engine.dialect.name != "sqlite":
        return
    stmt = flag_query(FlagFilters()).limit(25).offset(50)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_flags_queue_order" in plan and "TEMP B-TREE" not in plan
