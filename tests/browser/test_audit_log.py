"""The audit log in a real browser: filter by provider, read names and Swedish labels, export
CSV, open the sign-in log — each page with axe at 0 WCAG A/AA violations."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_accessibility import format_violations, wcag_violations

pytestmark = pytest.mark.browser


def _no_violations(page, what: str) -> None:
    violations = wcag_violations(page)
    assert not violations, f"axe found WCAG A/AA violations on {what}:\n" + format_violations(violations)


def test_supervisor_filters_reads_and_exports_the_audit_log(open_as, live_server, tmp_path):
    page = open_as("supervisor")
    page.goto(live_server("/audit/"))
    _no_violations(page, "the audit log")
    page.get_by_label("Utförare", exact=True).fill("Alfa Skyddat")
    page.get_by_label("Typ av post").select_option(label="Utförare")
    page.get_by_role("button", name="Filtrera").click()
    page.wait_for_url(re.compile(r".*provider=Alfa.*"))
    table = page.locator("#audit-table")
    rows = table.locator("tbody tr")
    assert rows.count() >= 1
    first = rows.first.inner_text()
    assert re.search(r"Alfa Skyddat Boende AB \(\d{6}-\d{4}\)", first)
    assert "Skapad" in first and "Verksamhetstyper" in first and "Skyddat boende" in first
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first)
    assert "protected_housing" not in table.inner_text() and "providers " not in table.inner_text()
    _no_violations(page, "the filtered audit log")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exportera till CSV").click()
    target = tmp_path / "logg.csv"
    download_info.value.save_as(target)
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Tidpunkt;Utförd av;Åtgärd")
    assert "Alfa Skyddat Boende AB" in text and "Beta Stöd" not in text

    page.get_by_role("link", name="Inloggningar").click()
    page.wait_for_url("**/audit/sign-ins")
    log = page.locator("#sign-in-table").inner_text()
    assert "supervisor@example.org" in log and "Lyckades" in log and "127.0.0.1" in log
    _no_violations(page, "the sign-in log")


def test_the_provider_page_shows_the_same_change_log(open_as, live_server):
    page = open_as("admin")
    page.goto(live_server(f"/providers/{live_server.ids['provider_id']}"))
    section = page.locator("#audit")
    text = section.inner_text()
    assert "Skapad" in text and "Verksamhetstyper" in text and "protected_housing" not in text
    _no_violations(page, "the provider page with its change log")
    section.get_by_role("link", name="Hela ändringsloggen för utföraren").click()
    page.wait_for_url(re.compile(r".*/audit/\?provider_id=\d+"))
    assert "Alfa Skyddat Boende AB" in page.locator("#audit-table").inner_text()
