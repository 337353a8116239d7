"""One notion of "now" and "today" for the whole registry.

Due dates, end dates and "days since" are calendar dates in Sweden, while the server usually runs
on UTC: between midnight in Stockholm and midnight UTC a server-local today is a day behind the
nightly sweep. Every date in the package therefore comes from here (a test forbids the
server-local call elsewhere), and timestamps are timezone-aware UTC.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    """The current moment, timezone-aware UTC (what the database stores)."""
    return datetime.now(UTC)


def today(now: datetime | None = None) -> date:
    """Today's date in Europe/Stockholm, or the Stockholm date of ``now``."""
    return (now or utcnow()).astimezone(STOCKHOLM).date()


def local_date(moment: datetime) -> date:
    """The Stockholm calendar date of an aware moment."""
    return moment.astimezone(STOCKHOLM).date()


def start_of_day(day: date) -> datetime:
    """Midnight in Stockholm at the start of ``day``, as UTC."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)
