"""Hostile uploads through the real pages and the API: refused with a clear Swedish message,
and nothing stored (no pending file, no evidence file, no row, no audit event).

IVO extracts: a zip bomb, too many zip entries, too many rows, billion laughs, an external
entity and an oversized file. Evidence: a ".pdf" that is an executable or an HTML page, a
type the configuration does not allow, and bodies over MAX_CONTENT_LENGTH (413).
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.checks import hostile
from tests.factories import make_provider, make_user
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth import tokens
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.extensions import db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _counts() -> dict[str, int]:
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))
    return {"checks": count(BackgroundCheck), "documents": count(EvidenceDocument), "audit": count(AuditEvent)}


def _files(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _extract(client, data: bytes, name: str):
    return client.post("/checks/ivo-extract", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def officer(as_role, solglantan):
    """A procurement officer, and Solgläntan (the provider every hostile file names) in the
    registry, so that a file that got through would have a row to match."""
    return as_role("procurement_officer")


HOSTILE_EXTRACTS = [
    ("zip-bomb", lambda: hostile.declared_size_bomb(hostile.xlsx(3)), "utdrag.xlsx", {},
     "Excel-filen packas upp till 4,3\u00a0GB, mer än de 50\u00a0MB som tas emot."),
    ("real-bomb", lambda: hostile.real_bomb(3_000_000), "utdrag.xlsx", {"EXTRACT_MAX_UNCOMPRESSED_BYTES": 2_000_000},
     "Excel-filen packas upp till 3\u00a0MB, mer än de 2\u00a0MB som tas emot."),
    ("zip-entries", lambda: hostile.many_entries(250), "utdrag.xlsx", {},
     "Excel-filen består av 259 delar, fler än de 200 som ett registerutdrag kan ha."),
    ("csv-rows", lambda: hostile.csv_rows(50_020), "utdrag.csv", {},
     "Filen har fler rader än de 50\u00a0000 som ett utdrag får ha."),
    ("xlsx-rows", lambda: hostile.xlsx(30), "utdrag.xlsx", {"EXTRACT_MAX_ROWS": 20},
     "Filen har fler rader än de 20 som ett utdrag får ha."),
    ("xlsx-rows-no-dimension", lambda: hostile.xlsx(30, dimension=False), "utdrag.xlsx", {"EXTRACT_MAX_ROWS": 20},
     "Filen har fler rader än de 20 som ett utdrag får ha."),
    ("billion-laughs", lambda: hostile.with_doctype(hostile.xlsx(), hostile.BILLION_LAUGHS, "lol9"), "utdrag.xlsx", {},
     "Excel-filen innehåller XML-konstruktioner som inte tillåts (DTD eller entiteter)."),
    ("external-entity", lambda: hostile.with_doctype(hostile.xlsx(), hostile.EXTERNAL_ENTITY, "xxe"), "utdrag.xlsx",
     {}, "Excel-filen innehåller XML-konstruktioner som inte tillåts (DTD eller entiteter)."),
    ("file-size", lambda: hostile.csv_rows(200), "utdrag.csv", {"EXTRACT_MAX_BYTES": 5_000},
     "Filen är för stor (15,3\u00a0kB); registret tar emot utdrag på högst 5\u00a0kB."),
]


@pytest.mark.parametrize(("make", "name", "config", "message"), [case[1:] for case in HOSTILE_EXTRACTS],
                         ids=[case[0] for case in HOSTILE_EXTRACTS])
def test_hostile_extract_is_refused_and_nothing_is_stored(client, officer, evidence_dir, app, monkeypatch,
                                                          make, name, config, message):
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    before = _counts()
    response = _extract(client, make(), name)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422), html[:500]
    assert message in html.replace("&nbsp;", "\u00a0"), html[html.find("<main"):][:1500]
    assert "Matchade tillstånd" not in html and 'name="key"' not in html  # no preview, nothing to apply
    assert "root:" not in html  # the external entity was never resolved
    assert _files(evidence_dir) == []  # neither the pending folder nor the evidence store
    assert _counts() == before


def test_the_same_workbook_within_the_limits_is_previewed(client, officer, evidence_dir, app, monkeypatch):
    """The refusals above are the limits' doing: a workbook of the same make passes."""
    monkeypatch.setitem(app.config, "EXTRACT_MAX_ROWS", 20)
    html = _extract(client, hostile.xlsx(20), "utdrag.xlsx").get_data(as_text=True)
    assert "Matchade tillstånd: 1" in html
    assert len(_files(evidence_dir / "pending")) == 1  # kept for "apply"


def test_extract_request_over_the_limit_is_413_before_reading(client, officer, evidence_dir, app, monkeypatch):
    monkeypatch.setitem(app.config, "EXTRACT_MAX_BYTES", 1_000)
    response = _extract(client, hostile.csv_rows(5_000), "utdrag.csv")  # far beyond the multipart slack
    assert response.status_code == 413
    assert "Filen eller begäran är för stor" in response.get_data(as_text=True)
    assert _files(evidence_dir) == []


# --- evidence uploads ---------------------------------------------------------------------

def _evidence(client, provider, content: bytes, name: str):
    return client.post(f"/providers/{provider.id}/evidence/new",
                       data={"document": (io.BytesIO(content), name), "description": "Intyg"},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("content", "name"), [(EXE, "tillstand.pdf"), (HTML, "tillstand.pdf"), (HTML, "intyg.html")],
                         ids=["exe-as-pdf", "html-as-pdf", "html"])
def test_evidence_type_is_decided_by_content(client, as_role, db_session, evidence_dir, content, name):
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    before = _counts()
    response = _evidence(client, provider, content, name)
    assert response.status_code == 422
    assert "Filen är inte av en tillåten typ (PDF, PNG, JPEG); innehållet avgör, inte filnamnet." in \
        response.get_data(as_text=True)
    assert _counts() == before and _files(evidence_dir) == []


def test_allowed_evidence_types_come_from_the_configuration(client, as_role, db_session, evidence_dir, app,
                                                            monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_ALLOWED_TYPES", ("application/pdf",))
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    refused = _evidence(client, provider, PNG, "skanning.png")
    assert refused.status_code == 422
    assert "Filen är inte av en tillåten typ (PDF)" in refused.get_data(as_text=True)
    assert _files(evidence_dir) == []
    assert _evidence(client, provider, PDF, "intyg.pdf").status_code == 302


def test_api_evidence_html_as_pdf_is_refused_and_not_stored(client, db_session, evidence_dir):
    provider = make_provider()
    _token, plain = tokens.create_token(make_user(role="procurement_officer"), "limits test")
    db_session.commit()
    before = _counts()
    response = client.post(f"/api/v1/providers/{provider.org_number}/evidence?filename=intyg.pdf", data=HTML,
                           headers={"Authorization": f"Bearer {plain}", "Content-Type": "application/octet-stream"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "innehållet avgör" in response.get_json()["errors"][0]["message"]
    assert _counts() == before and _files(evidence_dir) == []


def test_body_over_max_content_length_is_a_swedish_413(client, as_role, db_session, evidence_dir, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2_000)
    provider = make_provider()
    _token, plain = tokens.create_token(make_user(role="procurement_officer"), "limits test")
    db_session.commit()
    as_role("procurement_officer")
    before = _counts()
    page = client.post(f"/providers/{provider.id}/edit", data={"name": "x" * 5_000})
    assert page.status_code == 413 and page.mimetype == "text/html"
    assert "Filen eller begäran är för stor" in page.get_data(as_text=True)
    api = client.post(f"/api/v1/providers/{provider.org_number}/evidence?filename=intyg.pdf", data=PDF + b"0" * 5_000,
                      headers={"Authorization": f"Bearer {plain}", "Content-Type": "application/octet-stream"})
    assert api.status_code == 413 and api.mimetype == "application/problem+json"
    assert api.get_json()["title"] == "Filen eller begäran är för stor"
    json_body = client.patch(f"/api/v1/providers/{provider.org_number}", json={"name": "x" * 5_000, "version": 1},
                             headers={"Authorization": f"Bearer {plain}"})  # over API_MAX_CONTENT_LENGTH too
    assert json_body.status_code == 413 and json_body.mimetype == "application/problem+json"
    assert _counts() == before and _files(evidence_dir) == []
