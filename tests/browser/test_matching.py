"""Matching in a real browser: the ad hoc form asks for provider kind and a valid licence, a
revoked permit excludes without any sweep, and the explanation shows the candidate's licences."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import format_violations, wcag_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def matching_providers(live_server):
    """Own providers, in a county no other browser test uses (Gotland), so the run is isolated."""
    from tests.factories import make_licence, make_provider
    from vendor_registry.extensions import db

    app = live_server.app
    with app.app_context():
        good = make_provider(name="Gotlands Skydd Med Tillstånd AB", counties_served=["09"], capacity=7)
        make_licence(good)
        revoked = make_provider(name="Gotlands Skydd Återkallat AB", counties_served=["09"])
        make_licence(revoked, status="revoked")
        ids = {"good": good.id, "revoked": revoked.id}
        db.session.commit()
        db.session.remove()
    return ids


def test_social_worker_matches_on_kind_and_licence_and_sees_why(open_as, live_server, matching_providers):
    page = open_as("social_worker")
    page.goto(live_server("/demand/match"))
    page.get_by_label("Verksamhetstyp").select_option(label="Skyddat boende")
    page.get_by_role("group", name="Gällande tillstånd från IVO för").get_by_label("Skyddat boende").check()
    page.get_by_text("Län", exact=True).click()
    page.get_by_role("group", name="Önskade län").get_by_label("09 Gotlands län").check()
    page.get_by_role("button", name="Sök utförare").click()

    matching = page.get_by_role("table", name="Utförare som matchar, bäst först")
    expect(matching.get_by_role("link", name="Gotlands Skydd Med Tillstånd AB", exact=True)).to_be_visible()
    expect(matching.get_by_role("link", name="Gotlands Skydd Återkallat AB", exact=True)).to_have_count(0)
    excluded = page.locator("ol.excluded > li", has_text="Gotlands Skydd Återkallat AB")
    expect(excluded.locator("ul.reasons > li")).to_have_text([  # failed ska-krav first, then the fact
        "Ska-krav Är skyddat boende men saknar gällande tillstånd från IVO",
        "Ska-krav Saknar giltigt tillstånd för skyddat boende",
        "Tillståndet för skyddat boende är återkallat"])

    violations = wcag_violations(page)
    assert not violations, "axe on the match result:\n" + format_violations(violations)

    matching.get_by_role("link", name="Visa krav för krav (Gotlands Skydd Med Tillstånd AB)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gotlands Skydd Med Tillstånd AB")
    expect(page.locator("ul.licences")).to_contain_text("Skyddat boende (tillstånd): Gällande")
    expect(page.locator("p.capacity")).to_have_text("7 platser")
    expect(page.get_by_role("cell", name="Är skyddat boende med gällande tillstånd från IVO")).to_be_visible()
    violations = wcag_violations(page)
    assert not violations, "axe on the explanation:\n" + format_violations(violations)
