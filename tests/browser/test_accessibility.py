"""axe-core on every main page, per role: any WCAG 2.0/2.1 A or AA violation fails the test.

To cover a new page add one line to PAGES: (role or None for anonymous, path with {ids}).
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser

WCAG_TAGS = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
EVERYONE = ("admin", "procurement_officer", "supervisor", "social_worker")
RECORDERS = ("admin", "procurement_officer", "supervisor")

PAGES: list[tuple[str | None, str]] = [
    (None, "/login"),
    *[(role, "/start") for role in EVERYONE],
    *[(role, "/providers/") for role in EVERYONE],
    *[(role, "/providers/{provider_id}") for role in EVERYONE],
    ("procurement_officer", "/providers/new"),
    ("procurement_officer", "/providers/{provider_id}/edit"),
    *[(role, "/providers/{provider_id}/reviews/new") for role in EVERYONE],
    ("supervisor", "/reviews/{review_id}/edit"),
    ("admin", "/admin/"),
    ("admin", "/admin/methods"),
    ("admin", "/admin/methods/new"),
    ("admin", "/admin/service-areas"),
    ("admin", "/admin/service-areas/{area_id}/edit"),
    ("admin", "/admin/check-policy"),
    ("admin", "/admin/users"),
    ("admin", "/admin/users/new"),
    ("admin", "/admin/users/{user_id}"),
    # Other features' pages.
    ("procurement_officer", "/providers/{provider_id}/licences/new"),
    ("procurement_officer", "/providers/{provider_id}/methods/new"),
    ("procurement_officer", "/providers/{provider_id}/contracts/new"),
    ("procurement_officer", "/providers/{provider_id}/checks"),
    ("procurement_officer", "/providers/{provider_id}/checks/new"),
    ("procurement_officer", "/checks/ivo-extract"),
    ("procurement_officer", "/demand/profiles"),
    ("procurement_officer", "/demand/profiles/new"),
    ("social_worker", "/demand/match"),
    ("supervisor", "/flags/"),
    ("supervisor", "/flags/overview"),
    ("supervisor", "/flags/notifications"),
    ("supervisor", "/jobs/"),
    ("supervisor", "/audit/"),
    ("admin", "/audit/?entity_type=providers&action=update"),
    ("social_worker", "/account/tokens"),
]

_axe = Axe()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        tags = ", ".join(sorted(set(violation["tags"]) & WCAG_TAGS))
        lines.append(f"- {violation['id']} [{violation['impact']}; {tags}]: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {', '.join(map(str, node['target']))}: {summary}")
            lines.append(f"       {node['html'][:200]}")
    return "\n".join(lines)


def wcag_violations(page) -> list[dict]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": sorted(WCAG_TAGS)},
                                      "resultTypes": ["violations"]})
    return [v for v in results.response["violations"] if set(v["tags"]) & WCAG_TAGS]


@pytest.mark.parametrize(("role", "path"), PAGES, ids=[f"{r or 'anonymous'}:{p}" for r, p in PAGES])
def test_page_has_no_wcag_violations(shared_page, live_server, role, path):
    page = shared_page(role)
    response = page.goto(live_server(path.format(**live_server.ids)))
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    violations = wcag_violations(page)
    assert not violations, f"axe found WCAG A/AA violations on {path} as {role}:\n" + format_violations(violations)


def test_form_with_errors_has_no_wcag_violations(open_as, live_server):
    """The error state matters most: the summary, aria-invalid and the messages next to fields."""
    page = open_as("procurement_officer")
    page.goto(live_server("/providers/new"))
    page.locator("#org_number").fill("123")
    page.get_by_role("button", name="Spara").click()
    assert page.locator("#error-summary").is_visible()
    violations = wcag_violations(page)
    assert not violations, "axe found WCAG A/AA violations on the provider form with errors:\n" + \
        format_violations(violations)


def test_review_form_with_errors_has_no_wcag_violations(open_as, live_server):
    page = open_as("supervisor")
    page.goto(live_server(f"/providers/{live_server.ids['provider_id']}/reviews/new"))
    page.fill("#actions-0-description", "Åtgärd utan datum")
    page.get_by_role("button", name="Spara").click()
    assert page.locator("#error-summary").is_visible()
    violations = wcag_violations(page)
    assert not violations, "axe found WCAG A/AA violations on the review form with errors:\n" + \
        format_violations(violations)
