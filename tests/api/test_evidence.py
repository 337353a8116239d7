"""Evidence documents through the API: upload as the request body, read, download, per role.

Documents are append-only (no edit, so no version): the problems here are the type the
content proves, the size limit and the role table.
"""
from __future__ import annotations

import hashlib

import pytest

from tests.api.conftest import assert_problem, data_statements
from tests.factories import make_provider
from vendor_registry.background_checks.models import EvidenceDocument
from vendor_registry.extensions import db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
OCTET = {"Content-Type": "application/octet-stream"}


def _documents(provider) -> list[EvidenceDocument]:
    return list(db.session.scalars(db.select(EvidenceDocument).where(EvidenceDocument.provider_id == provider.id)))


def _upload(client, provider, headers, data: bytes, query: str = ""):
    return client.post(f"/api/v1/providers/{provider.org_number}/evidence{query}", headers={**headers, **OCTET},
                       data=data)


def test_upload_read_and_download(client, db_session, headers_for):
    provider = make_provider()
    db_session.commit()
    uploaded = _upload(client, provider, headers_for("procurement_officer"), PDF,
                       "?filename=forsakringsbrev.pdf&description=Ansvarsförsäkring 2026")
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    body = uploaded.get_json()
    assert body["content_type"] == "application/pdf" and body["size_bytes"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["filename"] == "forsakringsbrev.pdf" and body["description"] == "Ansvarsförsäkring 2026"

    supervisor = headers_for("supervisor")
    assert client.get(f"/api/v1/evidence/{body['id']}", headers=supervisor).get_json() == body
    download = client.get(f"/api/v1/evidence/{body['id']}/content", headers=supervisor)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "forsakringsbrev.pdf" in download.headers["Content-Disposition"]


def test_the_content_decides_the_type_not_the_name(client, db_session, headers_for):
    provider = make_provider()
    db_session.commit()
    officer = headers_for("admin")
    png = _upload(client, provider, officer, PNG, "?filename=intyg.pdf")
    assert png.status_code == 201 and png.get_json()["content_type"] == "image/png"
    program = assert_problem(_upload(client, provider, officer, b"MZ\x90\x00" + b"\x00" * 60, "?filename=intyg.pdf"),
                             422)
    assert program["errors"][0]["field"] == "document" and "innehållet avgör" in program["errors"][0]["message"]
    empty = assert_problem(_upload(client, provider, officer, b""), 422)
    assert empty["errors"][0]["message"]
    assert len(_documents(provider)) == 1


def test_too_large_is_413_and_keeps_nothing(app, client, db_session, headers_for, monkeypatch):
    provider = make_provider()
    db_session.commit()
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1000)
    assert_problem(_upload(client, provider, headers_for("procurement_officer"), PDF + b"0" * 2000), 413)
    assert _documents(provider) == []
    # the API's JSON limit is not the upload limit: 300 KB goes through when evidence allows it
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1024 * 1024)
    assert _upload(client, provider, headers_for("procurement_officer"), PDF + b"0" * 300_000).status_code == 201


@pytest.mark.parametrize("role,upload,read", [
    ("admin", 201, 200), ("procurement_officer", 201, 200), ("supervisor", 201, 200), ("social_worker", 403, 403)])
def test_role_table(client, db_session, headers_for, role, upload, read):
    provider = make_provider()
    db_session.commit()
    document_id = _upload(client, provider, headers_for("procurement_officer"), PDF).get_json()["id"]
    headers = headers_for(role)
    response = _upload(client, provider, headers, PDF)
    assert response.status_code == upload, response.get_data(as_text=True)
    assert client.get(f"/api/v1/evidence/{document_id}", headers=headers).status_code == read
    assert client.get(f"/api/v1/evidence/{document_id}/content", headers=headers).status_code == read


def test_unknown_document_and_json_still_refused_elsewhere(client, db_session, headers_for):
    headers = headers_for("supervisor")
    assert_problem(client.get("/api/v1/evidence/999999/content", headers=headers), 404)
    provider = make_provider()
    db_session.commit()
    # other operations still take JSON only
    assert_problem(client.post(f"/api/v1/providers/{provider.org_number}/contracts",
                               headers={**headers_for("admin"), **OCTET}, data=PDF), 415)


def test_list_newest_first_at_constant_cost(client, db_session, headers_for, statement_counter):
    provider = make_provider()
    db_session.commit()
    officer = headers_for("procurement_officer")
    first = _upload(client, provider, officer, PDF, "?filename=a.pdf").get_json()["id"]
    url = f"/api/v1/providers/{provider.org_number}/evidence"
    client.get(url, headers=officer)
    with statement_counter() as few:
        assert [d["id"] for d in client.get(url, headers=officer).get_json()["items"]] == [first]
    for _ in range(5):
        _upload(client, provider, officer, PNG)
    with statement_counter() as many:
        items = client.get(url, headers=officer).get_json()["items"]
    assert len(items) == 6 and items[-1]["id"] == first
    assert len(data_statements(many)) == len(data_statements(few))
    assert_problem(client.get(url, headers=headers_for("social_worker")), 403)
