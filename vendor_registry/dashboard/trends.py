"""Flag history over the last weeks, computed from ``raised_at`` and ``resolved_at``.

A flag counts as open at a moment when it had been raised and was not yet resolved or dismissed
(both set ``resolved_at``); acknowledged flags are still open. The week ends are given to the
database as one small derived table, so each series is one statement however many providers
and flags there are. Nothing needs to be stored per day for the history to exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from vendor_registry import clock
from vendor_registry.codes import FlagSeverity
from vendor_registry.database import UTCDateTime, utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag

WEEKS = 12
SEVERITIES = sorted(FlagSeverity, key=lambda s: -s.rank)


@dataclass
class Week:
    index: int
    since: datetime  # exclusive
    until: datetime  # inclusive: the moment the open count is taken

    @property
    def last_day(self) -> date:
        return clock.local_date(self.until)


def weeks(now: datetime | None = None, count: int = WEEKS) -> list[Week]:
    """``count`` consecutive seven-day windows, the last ending now, oldest first."""
    now = now or utcnow()
    return [Week(i, now - timedelta(days=7 * (count - i)), now - timedelta(days=7 * (count - 1 - i)))
            for i in range(count)]


def _points(periods: list[Week]):
    rows = [select(literal(w.index).label("idx"), literal(w.since, UTCDateTime()).label("since"),
                   literal(w.until, UTCDateTime()).label("until")) for w in periods]
    return union_all(*rows).subquery("weeks")


def open_by_severity(periods: list[Week]) -> dict[FlagSeverity, list[int]]:
    """Per severity, the number of flags open at the end of each week (one statement)."""
    points = _points(periods)
    still_open = and_(Flag.raised_at <= points.c.until,
                      or_(Flag.resolved_at.is_(None), Flag.resolved_at > points.c.until))
    rows = db.session.execute(
        select(points.c.idx, Flag.severity, func.count(Flag.id))
        .select_from(points).join(Flag, still_open)
        .group_by(points.c.idx, Flag.severity)).all()
    series = {s: [0] * len(periods) for s in SEVERITIES}
    for idx, severity, n in rows:
        series[severity][int(idx)] = n
    return series


def raised_and_resolved(periods: list[Week]) -> tuple[list[int], list[int]]:
    """Per week, how many flags were raised and how many resolved or dismissed (one statement)."""
    points = _points(periods)
    raised = and_(Flag.raised_at > points.c.since, Flag.raised_at <= points.c.until)
    resolved = and_(Flag.resolved_at > points.c.since, Flag.resolved_at <= points.c.until)
    rows = db.session.execute(
        select(points.c.idx, func.sum(case((raised, 1), else_=0)), func.sum(case((resolved, 1), else_=0)))
        .select_from(points).join(Flag, or_(raised, resolved))
        .group_by(points.c.idx)).all()
    up, down = [0] * len(periods), [0] * len(periods)
    for idx, n_raised, n_resolved in rows:
        up[int(idx)], down[int(idx)] = int(n_raised or 0), int(n_resolved or 0)
    return up, down


def flag_trends(now: datetime | None = None) -> dict:
    periods = weeks(now)
    raised, resolved = raised_and_resolved(periods)
    return {"weeks": periods, "open": open_by_severity(periods), "raised": raised, "resolved": resolved}
