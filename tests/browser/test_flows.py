"""The main flows in a real browser: login per role, search, open, edit, errors, stale edits, keyboard only."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROLES, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_and_sees_the_provider_list(browser, live_server, role):
    context = browser.new_context(locale="sv-SE")
    try:
        page = context.new_page()
        log_in(page, live_server, role)
        expect(page.get_by_role("status").first).to_contain_text("Välkommen")
        nav = page.get_by_role("navigation", name="Huvudmeny")
        if nav.get_by_role("button", name="Meny").is_visible():  # folded below 1400 px
            nav.get_by_role("button", name="Meny").click()
        nav.get_by_role("link", name="Utförare").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Utförare")
        expect(page.get_by_role("link", name="Alfa Skyddat Boende AB")).to_be_visible()
        can_register = page.get_by_role("link", name="Registrera utförare")
        expect(can_register).to_have_count(1 if role in ("admin", "procurement_officer") else 0)
    finally:
        context.close()


def test_search_and_open_a_provider(open_as, live_server):
    page = open_as("social_worker")
    page.goto(live_server("/providers/"))
    page.get_by_label("Sök på namn, organisationsnummer eller kommun").fill("Malmö")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page.get_by_role("link", name="Beta Stöd och Behandling AB")).to_be_visible()
    expect(page.get_by_role("link", name="Alfa Skyddat Boende AB")).to_have_count(0)
    page.get_by_role("link", name="Beta Stöd och Behandling AB").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beta Stöd och Behandling AB")
    expect(page.get_by_role("link", name="Redigera")).to_have_count(0)  # a social worker cannot edit


def test_edit_and_save(open_as, live_server):
    page = open_as("procurement_officer")
    page.goto(live_server(f"/providers/{live_server.ids['editable_id']}"))
    page.get_by_role("link", name="Redigera").click()
    page.locator("#name").fill("Delta Redigerad AB")
    page.locator("#capacity").fill("12")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delta Redigerad AB")
    expect(page.get_by_role("status")).to_contain_text("Ändringarna är sparade.")


def test_validation_error_is_shown_next_to_the_field_and_linked(open_as, live_server):
    page = open_as("procurement_officer")
    page.goto(live_server("/providers/new"))
    page.locator("#org_number").fill("556016-0681")  # wrong check digit
    page.locator("#name").fill("Felaktiga Nummer AB")
    page.locator("#kinds-2").check()
    page.locator("#county").select_option("03")
    page.get_by_role("button", name="Spara").click()
    field = page.locator("#org_number")
    error = page.locator("#org_number-error")
    expect(error).to_be_visible()
    assert re.search(r"[åäö]|kontrollsiffra|organisationsnummer", error.inner_text(), re.IGNORECASE)
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "org_number-error" in field.get_attribute("aria-describedby")
    expect(field).to_have_value("556016-0681")
    expect(page.locator("#name")).to_have_value("Felaktiga Nummer AB")
    summary_link = page.locator("#error-summary a[href='#org_number']")
    expect(summary_link).to_be_visible()
    summary_link.click()
    expect(field).to_be_focused()


def test_stale_edit_shows_who_changed_it_and_keeps_input(open_as, live_server):
    from vendor_registry.audit.context import Actor, acting_as
    from vendor_registry.extensions import db
    from vendor_registry.providers.models import Provider
    from vendor_registry.providers.services import update_provider

    provider_id = live_server.ids["stale_id"]
    page = open_as("procurement_officer")
    page.goto(live_server(f"/providers/{provider_id}/edit"))
    page.locator("#municipality").fill("Min kommun")
    with live_server.app.app_context(), acting_as(Actor("user", "kollega@example.org")):
        provider = db.session.get(Provider, provider_id)
        update_provider(provider, {"municipality": "Kollegans kommun"}, provider.version)
        db.session.commit()
        db.session.remove()
    page.get_by_role("button", name="Spara").click()
    warning = page.locator("#stale-warning")
    expect(warning).to_contain_text("Någon annan har sparat ändringar under tiden")
    expect(warning).to_contain_text("kollega@example.org")
    expect(page.locator("#municipality")).to_have_value("Min kommun")
    # Saving again on the page that now carries the current version goes through.
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Ändringarna är sparade.")


def _tab_until(page, predicate: str, what: str, limit: int = 150) -> None:
    """Press Tab until ``predicate`` (JS, on ``el`` = the focused element) holds; keyboard only."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => !!el && ({predicate}))(document.activeElement)"):
            return
    raise AssertionError(f"{what} cannot be reached with Tab")


def _tab_to(page, element_id: str) -> None:
    _tab_until(page, f"el.id === {element_id!r}", f"#{element_id}")


def test_create_provider_with_the_keyboard_only(open_as, live_server):
    page = open_as("procurement_officer")
    page.goto(live_server("/providers/new"))
    _tab_to(page, "org_number")
    page.keyboard.type("556016-0680")
    _tab_to(page, "name")
    page.keyboard.type("Tangentbord AB")
    _tab_to(page, "kinds-0")
    page.keyboard.press("Space")
    _tab_to(page, "county")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == "01"
    _tab_to(page, "notes")
    page.keyboard.type("Registrerad utan mus.")
    _tab_until(page, "el.type === 'submit' && el.closest('main') !== null", "the save button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tangentbord AB")
    expect(page.get_by_role("status")).to_contain_text("registrerad som utkast")


def test_review_form_adds_an_action_row_without_javascript(browser, live_server, role_states):
    context = browser.new_context(locale="sv-SE", java_script_enabled=False, storage_state=role_states["supervisor"])
    try:
        page = context.new_page()
        page.goto(live_server(f"/providers/{live_server.ids['provider_id']}/reviews/new"))
        page.fill("#actions-0-description", "Första åtgärden")
        page.get_by_role("button", name="Lägg till en åtgärd").click()
        expect(page.locator("#actions-1-description")).to_be_visible()
        expect(page.locator("#actions-0-description")).to_have_value("Första åtgärden")
    finally:
        context.close()


def test_social_worker_records_a_placement_follow_up(open_as, live_server):
    page = open_as("social_worker")
    page.goto(live_server(f"/providers/{live_server.ids['provider_id']}"))
    page.get_by_role("link", name="Registrera uppföljning").click()
    kind = page.locator("#kind")
    assert kind.locator("option").all_inner_texts() == ["Uppföljning efter placering"]
    expect(page.locator("#privacy-note")).to_contain_text("personnummer")
    page.locator("#performed_on").fill("2026-01-15")
    page.locator("#rating_cooperation").select_option("4")
    page.locator("#outcome").select_option("satisfactory")
    page.locator("#summary").fill("Utföraren höll överenskomna tider.")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status")).to_contain_text("Uppföljningen är registrerad.")
    expect(page.locator("#reviews")).to_contain_text("Utföraren höll överenskomna tider.")
