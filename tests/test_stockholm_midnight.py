"""At 23:30 UTC it is already tomorrow in Stockholm: the nightly sweep and the pages must agree
on which day it is, so a licence whose last day was "today" in UTC is over on both."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.factories import make_licence, make_provider
from vendor_registry import clock
from vendor_registry.codes import FlagRule, ProviderStatus
from vendor_registry.flags.models import Flag

LAPSED = '<span class="badge text-bg-danger">Tillstånd upphört</span>'
VALID = '<span class="badge text-bg-success">Giltigt tillstånd</span>'
LATE_EVENING_UTC = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 December in Stockholm


@pytest.fixture
def half_past_eleven_utc(monkeypatch):
    """Every "now" and "today" in the package comes from vendor_registry.clock."""
    monkeypatch.setattr(clock, "utcnow", lambda: LATE_EVENING_UTC)
    assert clock.today() == date(2026, 12, 2)
    return LATE_EVENING_UTC


def _flags(db_session, provider) -> set[FlagRule]:
    return {flag.rule for flag in db_session.scalars(select(Flag).where(Flag.provider_id == provider.id))}


def test_sweep_and_pages_agree_after_stockholm_midnight(app, client, as_role, db_session, half_past_eleven_utc):
    ended = make_provider(name="Slutade i går AB", status=ProviderStatus.APPROVED)
    last_day = make_provider(name="Sista dagen i dag AB", status=ProviderStatus.APPROVED)
    db_session.flush()
    make_licence(ended, ends_on=date(2026, 12, 1), last_verified_at=half_past_eleven_utc)   # UTC's today
    make_licence(last_day, ends_on=date(2026, 12, 2), last_verified_at=half_past_eleven_utc)  # Stockholm's today
    db_session.commit()

    result = app.test_cli_runner().invoke(args=["jobs", "run", "licence_sweep"])
    assert result.exit_code == 0, result.output

    # The sweep: the licence that ended on 1 December has lapsed; the other is on its last day.
    assert {FlagRule.LICENCE_LAPSED, FlagRule.LICENCE_MISSING} <= _flags(db_session, ended)
    assert FlagRule.LICENCE_EXPIRING not in _flags(db_session, ended)
    assert _flags(db_session, last_day) == {FlagRule.LICENCE_EXPIRING}
    expiring = db_session.scalar(select(Flag).where(Flag.provider_id == last_day.id))
    assert expiring.details["days_left"] == 0

    # The pages: the same verdict for each provider, on its own page and in the list.
    as_role("supervisor")
    ended_page = client.get(f"/providers/{ended.id}").get_data(as_text=True)
    last_day_page = client.get(f"/providers/{last_day.id}").get_data(as_text=True)
    assert LAPSED in ended_page and VALID not in ended_page
    assert VALID in last_day_page and LAPSED not in last_day_page
    rows = {row.split("</tr>")[0] for row in client.get("/providers/?per_page=100").get_data(as_text=True).split("<tr")}
    assert any("Slutade i går AB" in row and LAPSED in row for row in rows)
    assert any("Sista dagen i dag AB" in row and VALID in row for row in rows)
