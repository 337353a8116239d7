"""The Content-Security-Policy in a real Chromium: the main pages of each role load with the
policy in force and without a single violation (a blocked inline script or style, a blocked
file, a refused frame). Violations are caught two ways: the ``securitypolicyviolation`` event
in the page and Chromium's console message.

Pages: every page the accessibility sweep visits, plus the print pages and a match result.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import PAGES

pytestmark = pytest.mark.browser

EXTRA_PAGES: list[tuple[str | None, str]] = [
    ("procurement_officer", "/providers/{provider_id}/print"),
    ("supervisor", "/providers/{provider_id}/print"),
    ("social_worker", "/demand/match?kind=protected_housing&run=1"),
    ("social_worker", "/demand/match/print?kind=protected_housing&run=1"),
    ("procurement_officer", "/providers/?q=Alfa"),
    ("admin", "/flags/"),
    ("admin", "/jobs/"),
]
ALL_PAGES = PAGES + EXTRA_PAGES
ROLES = [None, "admin", "procurement_officer", "supervisor", "social_worker"]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || location.pathname}:${event.lineNumber}`);
});
"""


def _watched_page(open_as, role):
    page = open_as(role)
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page, console


def _visit(page, console, url: str) -> list[str]:
    console.clear()
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, f"{url}: policy {policy!r}"
    page.wait_for_load_state("load")
    return list(page.evaluate("window.__cspViolations")) + console


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_main_pages_have_no_csp_violations(open_as, live_server, role):
    page, console = _watched_page(open_as, role)
    paths = [path for page_role, path in ALL_PAGES if page_role == role]
    assert paths
    found = {}
    for path in paths:
        violations = _visit(page, console, live_server(path.format(**live_server.ids)))
        if violations:
            found[path] = violations
    assert not found, f"CSP violations as {role or 'anonymous'}:\n" + "\n".join(
        f"  {path}: {'; '.join(v)}" for path, v in found.items())


def test_scripts_still_work_under_the_policy(open_as, live_server):
    """The parts that need JavaScript: Bootstrap's folded menu, the flag queue's "select all",
    the demand-profile editor; all from static files, none blocked."""
    page, console = _watched_page(open_as, "supervisor")
    page.set_viewport_size({"width": 800, "height": 900})
    assert _visit(page, console, live_server("/start")) == []
    page.get_by_role("button", name="Meny").click()
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.get_by_role("link", name="Avvikelser")).to_be_visible()

    page.set_viewport_size({"width": 1400, "height": 900})
    assert _visit(page, console, live_server("/demand/profiles/new")) == []
    expect(page.locator("form[data-editor-ready]")).to_have_count(1)  # profile_editor.js ran
    assert page.evaluate("window.__cspViolations") == [] and console == []
