"""In a real browser: an edit that changes only the phone number leaves the languages alone,
and a file uploaded with "Ladda upp underlag" appears in the provider's evidence list."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LANGUAGES = ["arabiska", 'dari, "afghansk"', "Åländska öar"]


def _provider(live_server, **kw) -> int:
    from tests.factories import make_provider
    from vendor_registry.extensions import db

    with live_server.app.app_context():
        provider = make_provider(**kw)
        db.session.commit()
        provider_id = provider.id
        db.session.remove()
    return provider_id


def _languages(live_server, provider_id: int) -> list[str]:
    from vendor_registry.extensions import db
    from vendor_registry.providers.models import Provider

    with live_server.app.app_context():
        languages = list(db.session.get(Provider, provider_id).languages)
        db.session.remove()
    return languages


def test_changing_the_phone_keeps_the_languages(open_as, live_server):
    provider_id = _provider(live_server, name="Språk Behålls AB", languages=LANGUAGES)
    page = open_as("procurement_officer")
    for phone in ("08-111 11 11", "08-222 22 22"):
        page.goto(live_server(f"/providers/{provider_id}/edit"))
        page.locator("#contact_phone").fill(phone)
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_role("status")).to_contain_text("Ändringarna är sparade.")
    expect(page.locator("#overview")).to_contain_text("08-222 22 22")
    assert sorted(_languages(live_server, provider_id)) == sorted(LANGUAGES)


def test_uploaded_evidence_is_listed_with_a_download_link(open_as, live_server, tmp_path):
    provider_id = _provider(live_server, name="Underlag Syns AB")
    page = open_as("procurement_officer")
    page.goto(live_server(f"/providers/{provider_id}"))
    page.get_by_role("link", name="Ladda upp underlag").first.click()
    page.locator("#document").set_input_files(
        files=[{"name": "försäkringsbrev.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("#description").fill("Försäkringsbrev 2026")
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.get_by_role("status")).to_contain_text("Filen är sparad som underlag")
    section = page.locator("#evidence")
    expect(section.get_by_role("link", name="försäkringsbrev.pdf")).to_be_visible()
    expect(section).to_contain_text("Försäkringsbrev 2026")
    expect(section).to_contain_text("Test procurement_officer")
    expect(section).to_contain_text("Inte kopplad ännu")
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    section.screenshot(path=str(shots / "evidence-section.png"))
    with page.expect_download() as download_info:
        section.get_by_role("link", name="försäkringsbrev.pdf").click()
    assert Path(download_info.value.path()).read_bytes() == PDF

    worker = open_as("social_worker")  # an unlinked file is check material until linked
    worker.goto(live_server(f"/providers/{provider_id}"))
    expect(worker.locator("#evidence")).not_to_contain_text("försäkringsbrev.pdf")
