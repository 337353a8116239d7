"""The flag queue's bulk form in the real browser: select three flags, acknowledge them with one
comment, see them acknowledged by you; "select all on this page" without a reload; axe at 0
WCAG A/AA violations on the queue with the bulk form, also when it shows an error. Screenshots
go to ``FLAG_QUEUE_SHOTS`` when it is set."""
from __future__ import annotations

import os

import pytest

from tests.browser.test_accessibility import format_violations, wcag_violations

pytestmark = pytest.mark.browser

QUEUE = "/flags/?rule=contract_expired"


@pytest.fixture(scope="module")
def queued(live_server):
    """Four flags of a rule no other browser test uses, on a provider of their own."""
    from tests.factories import make_provider
    from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
    from vendor_registry.extensions import db
    from vendor_registry.flags.models import Flag

    with live_server.app.app_context():
        provider = make_provider(name="Theta Kö AB")
        db.session.add_all([
            Flag(provider_id=provider.id, rule=FlagRule.CONTRACT_EXPIRED, subject_key=f"queue:{i}",
                 severity=FlagSeverity.LOW, status=FlagStatus.OPEN, message=f"Avtal {i} har löpt ut.")
            for i in range(1, 5)])
        db.session.commit()
        db.session.remove()
    return live_server


def _shot(page, name: str) -> None:
    folder = os.environ.get("FLAG_QUEUE_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"queue-{name}.png"), full_page=True)


def _row(page, message: str):
    return page.locator("#flag-table tbody tr").filter(has_text=message)


def test_select_three_and_acknowledge_with_a_comment(open_as, queued):
    page = open_as("supervisor")
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.goto(queued(QUEUE)).status == 200
    violations = wcag_violations(page)
    assert not violations, "axe on the flag queue:\n" + format_violations(violations)

    # "Select all on this page" checks every row in place (JS), and can be undone.
    page.get_by_role("link", name="Markera alla på sidan").click()
    assert page.url.endswith(QUEUE)
    assert page.locator("input.flag-select:checked").count() == 4
    assert page.locator("#selected-count").inner_text() == "Markerade: 4"
    page.get_by_role("button", name="Avmarkera alla").click()
    assert page.locator("input.flag-select:checked").count() == 0

    # Acknowledging without a comment is refused with the selection kept.
    for i in (1, 2, 3):
        page.get_by_label(f"Markera Theta Kö AB: Avtal {i} har löpt ut.").check()
    page.get_by_role("button", name="Kvittera markerade").click()
    page.wait_for_load_state()
    assert "Skriv en kommentar." in page.locator("#error-summary").inner_text()
    assert page.locator("input.flag-select:checked").count() == 3
    _shot(page, "error")
    violations = wcag_violations(page)
    assert not violations, "axe on the flag queue with an error:\n" + format_violations(violations)

    page.get_by_label("Kommentar").fill("Avtalen förnyas, upphandlingen är startad.")
    page.get_by_role("button", name="Kvittera markerade").click()
    page.wait_for_url(f"**{QUEUE}")
    assert "3 avvikelser är kvitterade." in page.locator("main").inner_text()
    for i in (1, 2, 3):
        row = _row(page, f"Avtal {i} har löpt ut.")
        assert "Kvitterad" in row.inner_text()
        assert "Test supervisor" in row.locator("td.acknowledged").inner_text()
    untouched = _row(page, "Avtal 4 har löpt ut.")
    assert untouched.locator("td.acknowledged").inner_text().strip() == "–"
    _shot(page, "done")
    violations = wcag_violations(page)
    assert not violations, "axe on the flag queue after acknowledging:\n" + format_violations(violations)
