"""The demand-profile editor in a real browser: rows are added and removed without a page load,
each kind brings its own value picker, the saved profile shows what was picked, and the editor
(with rows added, and with a server-side error) has no WCAG A/AA violations."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import format_violations, wcag_violations

pytestmark = pytest.mark.browser


def watch_loads(page) -> list[str]:
    """Every document the page loads from now on (a form submit or reload would add one)."""
    loads: list[str] = []
    page.on("request", lambda request: loads.append(request.url) if request.resource_type == "document" else None)
    return loads


def test_add_two_requirements_without_reload_pick_values_and_save(open_as, live_server):
    page = open_as("procurement_officer")
    page.goto(live_server("/demand/profiles/new"))
    page.wait_for_selector("form[data-editor-ready]")
    loads = watch_loads(page)
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Namn").fill("Skyddat boende Skåne, webbläsare")

    rows = page.locator("tbody[data-rows] > tr")
    expect(rows).to_have_count(1)
    page.get_by_label("Kravtyp (krav 1)").select_option(label="Verkar i län")
    county = page.get_by_label("Värde (krav 1)")
    expect(county).to_have_js_property("tagName", "SELECT")
    county.select_option(label="12 Skåne län")

    page.get_by_role("button", name="Lägg till krav").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_label("Kravtyp (krav 2)")).to_be_focused()
    expect(page.get_by_label("Värde (krav 2)")).to_be_disabled()  # no kind yet: nothing to pick
    page.get_by_label("Kravtyp (krav 2)").select_option(label="Dygnspris högst")
    price = page.get_by_label("Värde (krav 2)")
    expect(price).to_have_attribute("type", "number")
    price.fill("3500")
    page.get_by_label("Ska eller bör (krav 2)").select_option(label="Bör-krav")
    page.get_by_label("Vikt (1–10) (krav 2)").fill("4")

    page.get_by_role("button", name="Lägg till krav").click()  # a third row, removed again
    page.get_by_label("Kravtyp (krav 3)").select_option(label="Klarar hotnivå minst")
    page.get_by_label("Värde (krav 3)").select_option(label="Hög")
    page.get_by_role("button", name="Lägg till krav").click()
    page.get_by_label("Kravtyp (krav 4)").select_option(label="Boendeform")
    page.get_by_label("Värde (krav 4)").select_option(label="Egen lägenhet")
    page.get_by_role("button", name="Ta bort krav 3").click()
    expect(rows).to_have_count(3)
    moved = page.get_by_label("Värde (krav 3)")  # the fourth row is now the third, renamed
    expect(moved).to_have_attribute("name", "requirements-2-value")
    expect(moved).to_have_value("own_flat")
    expect(page.locator("[data-editor-status]")).to_contain_text("Profilen har nu 3 rader")

    assert loads == [], f"the editor loaded a page while adding rows: {loads}"
    assert page.evaluate("window.__sameDocument") is True
    violations = wcag_violations(page)
    assert not violations, "axe on the editor with added rows:\n" + format_violations(violations)

    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skyddat boende Skåne, webbläsare")
    table = page.get_by_role("table", name="Krav")
    expect(table.locator("tbody th")).to_have_text(
        ["Verkar i län: Skåne län", "Dygnspris högst: 3 500 kr", "Boendeform: Egen lägenhet"])
    expect(table.locator("tbody tr").nth(1).locator("td").nth(1)).to_have_text("4")

    page.get_by_role("link", name="Redigera").click()  # the stored values come back selected
    expect(page.get_by_label("Värde (krav 1)")).to_have_value("12")
    expect(page.get_by_label("Värde (krav 2)")).to_have_value("3500")
    expect(page.get_by_label("Värde (krav 3)")).to_have_value("own_flat")
    expect(page.get_by_label("Kravtyp (krav 4)")).to_have_value("")


def test_changing_kind_swaps_the_picker_and_server_errors_keep_rows(open_as, live_server):
    page = open_as("procurement_officer")
    page.goto(live_server("/demand/profiles/new"))
    page.wait_for_selector("form[data-editor-ready]")
    page.get_by_label("Namn").fill("Felaktig profil, webbläsare")
    kind = page.get_by_label("Kravtyp (krav 1)")
    kind.select_option(label="Alla kontroller aktuella")
    expect(page.get_by_label("Värde (krav 1)")).to_have_value("true")
    kind.select_option(label="Uppföljningens resultat minst")
    value = page.get_by_label("Värde (krav 1)")
    expect(value.locator("option")).to_have_text(["Välj värde", "Allvarliga brister", "Brister", "Tillfredsställande"])
    page.get_by_role("button", name="Lägg till krav").click()
    page.get_by_label("Kravtyp (krav 2)").select_option(label="Verkar i län")
    page.get_by_label("Värde (krav 2)").select_option(label="13 Hallands län")
    page.get_by_role("button", name="Spara").click()  # row 1 has no value: the server says so

    expect(page.locator("#error-summary")).to_contain_text("Krav 1, värde: Ange ett värde för kravet.")
    expect(page.get_by_label("Kravtyp (krav 1)")).to_have_value("review_outcome_at_least")
    expect(page.get_by_label("Värde (krav 2)")).to_have_value("13")
    violations = wcag_violations(page)
    assert not violations, "axe on the editor with errors:\n" + format_violations(violations)


def test_without_javascript_add_row_submits_and_pickers_follow_the_kind(browser, role_states, live_server):
    context = browser.new_context(locale="sv-SE", storage_state=role_states["procurement_officer"],
                                  java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(live_server("/demand/profiles/new"))
        expect(page.locator("form[data-editor-ready]")).to_have_count(0)
        expect(page.get_by_role("checkbox", name="Ta bort krav 1")).to_be_visible()  # the no-JS remove
        page.get_by_label("Namn").fill("Utan JavaScript, webbläsare")
        page.get_by_label("Kravtyp (krav 1)").select_option(label="Verkar i län")
        page.get_by_label("Värde (krav 1)").fill("Skåne län")  # no picker yet: typed by name
        with page.expect_navigation():
            page.get_by_role("button", name="Lägg till krav").click()
        expect(page.get_by_label("Värde (krav 1)")).to_have_value("12")  # now the county picker
        page.get_by_label("Kravtyp (krav 2)").select_option(label="Ingen öppen kritisk avvikelse")
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_role("table", name="Krav").locator("tbody th")).to_have_text(
            ["Verkar i län: Skåne län", "Ingen öppen kritisk avvikelse"])
    finally:
        context.close()
