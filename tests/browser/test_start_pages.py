"""Each role's start page in the real browser: axe at 0 WCAG A/AA violations with flags, charts
and lists filled in, the charts exposed as images with a name, and a number that opens a list
showing exactly that many rows. Screenshots go to ``START_PAGE_SHOTS`` when it is set."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest

from tests.browser.test_accessibility import format_violations, wcag_violations

pytestmark = pytest.mark.browser

ROLES = ("supervisor", "procurement_officer", "social_worker", "admin")


@pytest.fixture(scope="module")
def flagged(live_server):
    """Flags over the last weeks on a provider of the browser seed (its own rule subjects)."""
    from tests.dashboard.helpers import make_flag
    from tests.factories import make_check, make_contract, make_provider
    from vendor_registry import clock
    from vendor_registry.codes import (
        CheckType,
        FlagRule,
        FlagSeverity,
        FlagStatus,
        ProviderStatus,
    )
    from vendor_registry.database import utcnow
    from vendor_registry.extensions import db

    with live_server.app.app_context():
        now = utcnow()
        provider = make_provider(name="Zeta Startsida AB")
        make_provider(name="Eta Utkast AB", status=ProviderStatus.DRAFT)
        for weeks, severity in ((9, FlagSeverity.CRITICAL), (6, FlagSeverity.HIGH), (3, FlagSeverity.MEDIUM),
                                (1, FlagSeverity.LOW)):
            make_flag(provider, severity=severity, raised_at=now - timedelta(days=7 * weeks),
                      subject_key=f"start:{weeks}")
        make_flag(provider, severity=FlagSeverity.HIGH, rule=FlagRule.CHECK_OVERDUE, subject_key="start:resolved",
                  status=FlagStatus.RESOLVED, raised_at=now - timedelta(days=50), resolved_at=now - timedelta(days=8))
        make_contract(provider, ends_on=clock.today() + timedelta(days=30))
        make_check(provider, check_type=CheckType.INSURANCE, next_due_on=clock.today())
        db.session.commit()
        db.session.remove()
    return live_server


def _shot(page, name: str) -> None:
    folder = os.environ.get("START_PAGE_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"start-{name}.png"), full_page=True)


@pytest.mark.parametrize("role", ROLES)
def test_start_page_has_no_wcag_violations(open_as, flagged, role):
    page = open_as(role)
    page.set_viewport_size({"width": 1366, "height": 900})
    if role == "social_worker":  # something in the "recently opened" list
        assert page.goto(flagged(f"/providers/{flagged.ids['provider_id']}")).status == 200
    assert page.goto(flagged("/start")).status == 200
    if role == "supervisor":
        for chart in ("chart-open", "chart-flow"):
            svg = page.locator(f"svg#{chart}")
            assert svg.get_attribute("role") == "img"
            assert page.get_by_role("img", name=svg.locator("title").first.text_content()).count() == 1
        page.get_by_text("Visa siffrorna som tabell").first.click()  # the table alternative, opened
    _shot(page, role)
    violations = wcag_violations(page)
    assert not violations, f"axe on /start as {role}:\n" + format_violations(violations)


@pytest.mark.parametrize(("role", "tile", "table"), [
    ("supervisor", "#tile-contracts", "#ending-list"),
    ("supervisor", "#flags-critical-none", "#flag-table"),
    ("procurement_officer", "#tile-checks-due", "#checks-due-list"),
    ("procurement_officer", "#tile-drafts", "#provider-table"),
])
def test_a_number_opens_a_list_with_that_many_rows(open_as, flagged, role, tile, table):
    page = open_as(role)
    page.goto(flagged("/start"))
    link = page.locator(tile)
    shown = int(link.inner_text().split()[0])
    assert shown >= 1
    link.click()
    page.wait_for_load_state()
    rows = page.locator(f"{table} tbody tr").filter(has_not=page.locator("td[colspan]"))
    assert rows.count() == shown
    violations = wcag_violations(page)
    assert not violations, f"axe on {page.url}:\n" + format_violations(violations)


def test_notices_page_shows_what_is_new(open_as, flagged):
    page = open_as("supervisor")
    page.goto(flagged("/flags/notifications"))
    assert page.locator("#new-urgent li").count() >= 1
    assert "Du har inga notiser" not in page.content()
    violations = wcag_violations(page)
    assert not violations, "axe on the notices page:\n" + format_violations(violations)
