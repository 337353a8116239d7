"""The flag history behind the supervisor's charts: computed from raised_at/resolved_at, set-based,
and the start page costs the same statements for 5 or 60 providers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.dashboard.helpers import make_flag, soup
from tests.factories import make_provider
from vendor_registry.codes import FlagSeverity, FlagStatus
from vendor_registry.dashboard import charts, trends
from vendor_registry.extensions import db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _week_ago(weeks: float) -> datetime:
    return NOW - timedelta(days=7 * weeks)


def test_open_by_severity_counts_what_was_open_at_each_week_end(app, db_session):
    make_flag(severity=FlagSeverity.CRITICAL, raised_at=_week_ago(10.5))  # open ever since
    make_flag(severity=FlagSeverity.HIGH, raised_at=_week_ago(5.5), status=FlagStatus.RESOLVED,
              resolved_at=_week_ago(2.5))
    make_flag(severity=FlagSeverity.HIGH, raised_at=_week_ago(3.5), status=FlagStatus.ACKNOWLEDGED)
    make_flag(severity=FlagSeverity.LOW, raised_at=_week_ago(20), status=FlagStatus.DISMISSED,
              resolved_at=_week_ago(11.5))  # dismissed before the window's first week end
    periods = trends.weeks(NOW)
    assert len(periods) == 12 and periods[-1].until == NOW
    series = trends.open_by_severity(periods)
    # Week end i is NOW - (11 - i) weeks.
    assert series[FlagSeverity.CRITICAL] == [0] + [1] * 11
    assert series[FlagSeverity.HIGH] == [0] * 6 + [1, 1, 2, 1, 1, 1]
    assert series[FlagSeverity.LOW] == [0] * 12


def test_raised_and_resolved_per_week(app, db_session):
    make_flag(raised_at=_week_ago(0.5))
    make_flag(raised_at=_week_ago(0.2), status=FlagStatus.RESOLVED, resolved_at=_week_ago(0.1))
    make_flag(raised_at=_week_ago(30), status=FlagStatus.RESOLVED, resolved_at=_week_ago(4.5))
    raised, resolved = trends.raised_and_resolved(trends.weeks(NOW))
    assert raised == [0] * 11 + [2]
    assert resolved == [0] * 7 + [1, 0, 0, 0, 1]


def test_chart_geometry_stacks_and_scales():
    chart = charts.stacked_bars(["a", "b"], [("sev-low", "Låg", [1, 0]), ("sev-critical", "Kritisk", [2, 3])])
    assert [r.css for r in chart.rects] == ["sev-low", "sev-critical", "sev-critical"]
    low, crit_a, crit_b = chart.rects
    assert crit_a.y + crit_a.h == low.y  # stacked on top
    assert round(low.h + crit_a.h, 6) == round(crit_b.h, 6)  # 3 = 3
    assert [value for _, value in chart.y_ticks] == [0, 1, 2, 3]  # whole, evenly spaced steps
    assert [v for _, v in charts.stacked_bars(["a"], [("x", "X", [37])]).y_ticks] == [0, 10, 20, 30, 40]
    assert [v for _, v in charts.stacked_bars(["a"], [("x", "X", [0])]).y_ticks] == [0, 1]


def test_supervisor_start_page_statements_do_not_grow_with_providers(client, as_role, statement_counter):
    as_role("supervisor")

    def populate(n: int):
        for _ in range(n):
            provider = make_provider()
            make_flag(provider, raised_at=_week_ago(3))
            make_flag(provider, severity=FlagSeverity.HIGH, status=FlagStatus.RESOLVED, resolved_at=_week_ago(1))

    def count() -> int:
        with statement_counter() as statements:
            assert client.get("/start").status_code == 200
        return len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))])

    populate(5)
    db.session.commit()
    few = count()
    populate(55)
    db.session.commit()
    many = count()
    assert few == many, (few, many)
    page = soup(client.get("/start"))
    assert page.find("svg", id="chart-open")["role"] == "img"
    table = page.find(id="table-open")
    assert len(table.tbody.find_all("tr")) == 12
