"""The jobs page follows a requested run in a real browser: no reload, state and counters in Swedish."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from vendor_registry.jobs import runs

pytestmark = pytest.mark.browser


def test_run_now_shows_waiting_then_the_outcome_without_reload(open_as, live_server):
    page = open_as("supervisor")
    page.goto(live_server("/jobs/"))
    page.locator("form[action$='/jobs/contract_sweep/run'] button").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text("Körningen är beställd")
    row = page.locator("section[aria-labelledby='job-contract_sweep'] tr[data-run-id]").first
    expect(row).to_have_attribute("data-active", "1")
    expect(row.locator("[data-field='status_label']")).to_have_text("Väntar på schemaläggaren")
    page.evaluate("window.__notReloaded = true")

    assert len(runs.run_requested(live_server.app)) == 1  # what the scheduler process's poll does

    expect(row.locator("[data-field='status_label']")).to_have_text("Lyckades")
    expect(row.locator("[data-field='progress']")).to_have_text("2 av 2 regler klara")
    expect(row.locator("[data-field='counts']")).to_have_text(re.compile(r"^nya: \d+, bekräftade: \d+, lösta: \d+"))
    expect(row).not_to_have_attribute("data-active", "1")
    assert page.evaluate("window.__notReloaded") is True
