"""Layout in the real browser: no page is wider than a phone (390 px) or a laptop (1366 px),
the folded menu opens and closes with its toggler, and every date input looks the same.

A page is "not wider" when the document's scroll width equals the viewport's width: a wide
table may scroll inside its own box, the page itself never scrolls sideways.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import ROLES

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
EVERYONE_PAGES = ["/start", "/providers/", "/providers/{provider_id}", "/demand/match", "/flags/notifications"]
ROLE_PAGES = {
    "admin": ["/admin/", "/admin/users", "/admin/check-policy", "/admin/methods", "/audit/", "/jobs/"],
    "procurement_officer": ["/providers/{provider_id}/checks", "/providers/{provider_id}/contracts/new",
                            "/demand/profiles", "/demand/profiles/new", "/checks/ivo-extract"],
    "supervisor": ["/flags/", "/flags/overview", "/audit/", "/providers/{provider_id}/reviews/new"],
    "social_worker": ["/demand/profiles", "/account/tokens"],
}
DATE_FORMS = ["/providers/{provider_id}/licences/new", "/providers/{provider_id}/contracts/new",
              "/providers/{provider_id}/checks/new", "/providers/{provider_id}/reviews/new",
              "/providers/{provider_id}/methods/new"]

#: Elements that stick out of the viewport and are not inside a box that scrolls or clips them.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.getBoundingClientRect().right > width + 1) found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''));
  }
  return found.slice(0, 10);
}"""


@pytest.fixture
def page_at(browser, role_states):
    contexts = []

    def _open(role: str, width: int):
        context = browser.new_context(locale="sv-SE", storage_state=role_states[role],
                                      viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways(page_at, live_server, role, width):
    page = page_at(role, width)
    too_wide = {}
    for path in EVERYONE_PAGES + ROLE_PAGES[role]:
        response = page.goto(live_server(path.format(**live_server.ids)))
        assert response is not None and response.status == 200, (path, response and response.status)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[path] = (scroll_width, page.evaluate(OVERFLOWING))
    assert not too_wide, f"pages wider than {width} px as {role}: {too_wide}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ROLES)
def test_menu_folds_behind_a_toggler_that_opens_and_closes_it(page_at, live_server, role, width):
    page = page_at(role, width)
    page.goto(live_server("/providers/"))
    toggler = page.get_by_role("button", name="Meny")
    providers_link = page.locator("#main-nav").get_by_role("link", name="Utförare", exact=True)
    logout = page.get_by_role("button", name="Logga ut")
    assert toggler.is_visible()
    assert toggler.get_attribute("aria-expanded") == "false"
    assert not providers_link.is_visible() and not logout.is_visible()

    toggler.click()
    page.wait_for_selector("#main-nav.collapse.show")  # opened, transition finished
    assert providers_link.is_visible()
    assert toggler.get_attribute("aria-expanded") == "true"
    assert logout.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width >= 768:  # opened on a laptop the links share rows instead of a long column
        tops = page.locator("#main-nav .nav-link").evaluate_all("els => els.map(e => e.getBoundingClientRect().top)")
        assert len({round(t) for t in tops}) < len(tops), tops

    toggler.click()
    providers_link.wait_for(state="hidden")
    page.wait_for_selector("#main-nav.collapse:not(.show):not(.collapsing)", state="attached")
    assert toggler.get_attribute("aria-expanded") == "false"

    toggler.click()
    page.wait_for_selector("#main-nav.collapse.show")
    providers_link.click()
    page.wait_for_url("**/providers/")


def test_menu_is_one_row_without_toggler_on_a_wide_screen(page_at, live_server):
    page = page_at("admin", 1600)
    page.goto(live_server("/start"))
    assert not page.locator(".navbar-toggler").is_visible()
    links = page.locator("#main-nav .nav-link")
    assert links.first.is_visible()
    tops = links.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, tops
    assert page.evaluate("document.documentElement.scrollWidth") <= 1600


def test_every_date_input_is_type_date_with_the_swedish_format_hint(page_at, live_server):
    page = page_at("procurement_officer", 390)
    seen = 0
    for path in DATE_FORMS:
        page.goto(live_server(path.format(**live_server.ids)))
        for field in page.locator("main input[type=date]").all():
            seen += 1
            hint_ids = (field.get_attribute("aria-describedby") or "").split()
            hints = " ".join(page.locator(f"[id='{hint_id}']").inner_text() for hint_id in hint_ids)
            assert "ÅÅÅÅ-MM-DD" in hints, (path, field.get_attribute("name"), hints)
            assert field.bounding_box()["width"] <= 13 * 16 + 1, (path, field.get_attribute("name"))
        assert page.locator("main input[name$='_on'][type=text], main input[name*='date'][type=text]").count() == 0
    assert seen >= 7, seen
