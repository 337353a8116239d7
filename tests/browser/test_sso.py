"""Municipal single sign-on in Chromium, against a real OpenID Connect provider on loopback.

A second live server runs the same app over the browser suite's database (the seeded user of
each role) with single sign-on configured; the provider is oidc-provider-mock
(tests/conftest.py), on ``localhost`` while the app is ``127.0.0.1``, so the two are separate
sites to the browser as a real provider would be. Its login form takes the subject; a subject
it has no claims for gets ``{"email": subject}``.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer
from tests.conftest import make_test_app, served_over_loopback

pytestmark = pytest.mark.browser

BUTTON = "Logga in med kommunens konto"


@pytest.fixture(scope="module")
def sso_server(live_server, oidc_provider, tmp_path_factory):
    app = make_test_app(live_server.app.config["SQLALCHEMY_DATABASE_URI"],
                        tmp_path_factory.mktemp("sso-browser") / "instance", WTF_CSRF_ENABLED=True,
                        OIDC_DISCOVERY_URL=oidc_provider, OIDC_CLIENT_ID="utforarregistret",
                        OIDC_CLIENT_SECRET="hemligt-i-testet")
    with served_over_loopback(app, "sso-live-server") as url:
        yield LiveServer(url, app, live_server.ids)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE", viewport={"width": 1500, "height": 900})  # the menu unfolded
    context.set_default_timeout(10_000)
    # the provider's pages link a stylesheet on a CDN: no outside traffic from the tests
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    yield context.new_page()
    context.close()


def sign_in_at_provider(page, sso_server, oidc_provider, subject: str) -> None:
    page.goto(sso_server("/login"))
    page.get_by_role("link", name=BUTTON).click()
    page.wait_for_url(oidc_provider + "/oauth2/authorize?**")
    page.fill("input[name=sub]", subject)
    page.get_by_role("button", name="Authorize").click()


def test_a_municipal_login_lands_as_the_mapped_user_with_its_role(page, sso_server, oidc_provider):
    sign_in_at_provider(page, sso_server, oidc_provider, LiveServer.email("supervisor"))

    page.wait_for_url(sso_server("/start"))
    assert page.get_by_text("Välkommen, Test supervisor.").is_visible()
    nav = page.get_by_role("navigation", name="Huvudmeny")
    assert nav.get_by_role("link", name="Avvikelser").is_visible()  # a supervisor's page …
    assert nav.get_by_role("link", name="Administration").count() == 0  # … and not an admin's
    page.goto(sso_server("/audit/sign-ins"))
    first = page.locator("#sign-in-table tbody tr").first
    assert "supervisor@example.org" in first.inner_text() and "Kommunens konto" in first.inner_text()

    # logging out ends the provider's session too, then comes back to the login page
    page.goto(sso_server("/start"))
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(oidc_provider + "/oauth2/end_session?**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(sso_server("/login") + "**")
    assert page.get_by_text("Du är utloggad.").is_visible()
    page.goto(sso_server("/start"))
    page.wait_for_url(sso_server("/login") + "**")


def test_an_unknown_subject_is_refused_with_the_swedish_message(page, sso_server, oidc_provider):
    sign_in_at_provider(page, sso_server, oidc_provider, "okand.person@kommun.example.org")

    page.wait_for_url(sso_server("/login"))
    message = page.get_by_text("men det finns inget konto i registret för dig")
    assert message.is_visible() and "okand.person@kommun.example.org" in message.inner_text()
    page.goto(sso_server("/start"))
    page.wait_for_url(sso_server("/login") + "**")  # not signed in


def test_with_sso_off_there_is_no_button_and_no_route(page, live_server):
    page.goto(live_server("/login"))
    assert page.get_by_role("button", name="Logga in").is_visible()
    assert page.get_by_text("kommunens konto").count() == 0
    response = page.goto(live_server("/login/oidc"))
    assert response.status == 404
