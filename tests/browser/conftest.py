"""Real-browser fixtures: the real app served on 127.0.0.1 from a thread, Debian's Chromium via Playwright.

The app runs against its own migrated SQLite file with CSRF protection on, seeded with one
user per role and a few providers. Without /usr/bin/chromium the tests are skipped with a
hint, except in CI (the ``CI`` environment variable), where a missing browser is a failure.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade

from tests.conftest import fresh_database_url, make_test_app, served_over_loopback

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROLES = ("admin", "procurement_officer", "supervisor", "social_worker")
PASSWORD = "browser-test-password"


@dataclass
class LiveServer:
    url: str
    app: object
    ids: dict[str, int] = field(default_factory=dict)

    def __call__(self, path: str) -> str:
        return self.url + path

    @staticmethod
    def email(role: str) -> str:
        return f"{role}@example.org"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (f"Chromium not found at {CHROMIUM}: the browser tests need Debian's Chromium. "
               "Enable them with `apt-get install chromium` (or set CHROMIUM_PATH).")
    if os.environ.get("CI"):
        pytest.fail(message + " CI is set, so a missing browser fails the run instead of skipping it.")
    pytest.skip(message)


def _seed(app) -> dict[str, int]:
    from tests.factories import make_contract, make_provider, make_review, make_user
    from vendor_registry.codes import ReviewKind
    from vendor_registry.extensions import db
    from vendor_registry.methods.models import ServiceArea
    from vendor_registry.reviews.models import ReviewAction

    with app.app_context():
        users = {role: make_user(role, email=LiveServer.email(role), name=f"Test {role}") for role in ROLES}
        for user in users.values():
            user.set_password(PASSWORD)
        alfa = make_provider(name="Alfa Skyddat Boende AB", municipality="Uppsala")
        make_provider(name="Beta Stöd och Behandling AB", kinds=["hvb"], municipality="Malmö")
        make_provider(name="Gamma Coachning AB", kinds=["outpatient"], municipality="Umeå")
        editable = make_provider(name="Delta Redigering AB")
        stale = make_provider(name="Epsilon Samtidighet AB")
        make_contract(alfa)
        review = make_review(alfa, kind=ReviewKind.SITE_VISIT, summary="Platsbesök utan anmärkning.")
        db.session.add(ReviewAction(review_id=review.id, provider_id=alfa.id, description="Uppdatera rutiner",
                                    deadline=date.today() + timedelta(days=30)))
        db.session.flush()
        ids = {"provider_id": alfa.id, "editable_id": editable.id, "stale_id": stale.id, "review_id": review.id,
               "area_id": db.session.query(ServiceArea.id).order_by(ServiceArea.id).first()[0],
               "user_id": users["social_worker"].id}
        ids.update({f"user_{role}": user.id for role, user in users.items()})
        db.session.commit()
        db.session.remove()
    return ids


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app on a free port, in a background thread, for the whole browser session."""
    _require_chromium()
    tmp = tmp_path_factory.mktemp("browser")
    app = make_test_app(fresh_database_url("sqlite", tmp), tmp / "instance", WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade(revision="heads")
    ids = _seed(app)
    with served_over_loopback(app) as url:
        yield LiveServer(url, app, ids)


@pytest.fixture(scope="session")
def browser(live_server):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def log_in(page, live_server: LiveServer, role: str) -> None:
    page.goto(live_server("/login"))
    page.fill("#email", live_server.email(role))
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/start")


@pytest.fixture(scope="session")
def role_states(browser, live_server, tmp_path_factory):
    """One login per role for the whole session; each test gets a fresh context with that cookie."""
    folder = tmp_path_factory.mktemp("states")
    states = {}
    for role in ROLES:
        context = browser.new_context(locale="sv-SE")
        page = context.new_page()
        log_in(page, live_server, role)
        states[role] = str(folder / f"{role}.json")
        context.storage_state(path=states[role])
        context.close()
    return states


@pytest.fixture
def open_as(browser, role_states):
    """``open_as("supervisor")`` → a page in a new context logged in as that role (``None``: anonymous)."""
    contexts = []

    def _open(role: str | None):
        context = browser.new_context(locale="sv-SE", storage_state=role_states[role] if role else None)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def shared_page(browser, role_states):
    """One long-lived page per role, for read-only checks (the axe sweep) that need no fresh context."""
    pages, contexts = {}, []

    def _page(role: str | None):
        if role not in pages:
            context = browser.new_context(locale="sv-SE", storage_state=role_states[role] if role else None)
            context.set_default_timeout(10_000)
            contexts.append(context)
            pages[role] = context.new_page()
        return pages[role]

    yield _page
    for context in contexts:
        context.close()
