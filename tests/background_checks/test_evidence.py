"""Evidence uploads and downloads: size limit, type by content, storage, who may download."""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import func, select

from tests.factories import make_provider
from vendor_registry.background_checks.models import EvidenceDocument
from vendor_registry.background_checks.storage import (
    LocalFolderStorage,
    TooLarge,
    UnknownKey,
)
from vendor_registry.extensions import db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(EvidenceDocument))


def _upload(client, provider, content: bytes, name: str, description: str = "Tillståndsbevis"):
    return client.post(f"/providers/{provider.id}/evidence/new",
                       data={"document": (io.BytesIO(content), name), "description": description},
                       content_type="multipart/form-data")


@pytest.fixture
def provider(db_session):
    provider = make_provider()
    db_session.commit()
    return provider


@pytest.mark.parametrize("content, name, content_type", [
    (PDF, "tillstandsbevis.pdf", "application/pdf"),
    (JPEG, "skanning.jpg", "image/jpeg"),
    (PNG, "intyg.pdf", "image/png"),  # named .pdf, really a PNG: stored as what it is
])
def test_upload_stores_by_content_type(client, as_role, provider, evidence_dir, content, name, content_type):
    as_role("procurement_officer")
    response = _upload(client, provider, content, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    document = db.session.scalars(select(EvidenceDocument).order_by(EvidenceDocument.id.desc())).first()
    assert document.content_type == content_type
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size_bytes == len(content)
    assert document.original_filename == name
    stored = evidence_dir / document.storage_key[:2] / document.storage_key
    assert stored.read_bytes() == content
    assert name not in str(stored)  # server-generated name, never the uploaded one


def test_renamed_executable_is_refused(client, as_role, provider, evidence_dir):
    as_role("procurement_officer")
    before = _count()
    response = _upload(client, provider, EXE, "tillstand.pdf")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "inte av en tillåten typ (PDF, PNG, JPEG)" in text
    assert "Tillståndsbevis" in text  # the user's input is kept
    assert _count() == before
    assert not any(p.is_file() for p in evidence_dir.rglob("*")) if evidence_dir.exists() else True


def test_too_large_is_413(client, as_role, provider, evidence_dir, app, monkeypatch):
    as_role("procurement_officer")
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 1000)
    before = _count()
    response = _upload(client, provider, PDF + b"0" * 5000, "stor.pdf")
    assert response.status_code == 413
    assert _count() == before
    # just above the limit, inside the multipart slack: refused while streaming to disk
    response = _upload(client, provider, PDF + b"0" * (1001 - len(PDF)), "precis.pdf")
    assert response.status_code == 413
    assert _count() == before
    assert not [p for p in evidence_dir.rglob("*") if p.is_file()]


def test_max_content_length_also_gives_413(client, as_role, provider, evidence_dir, app, monkeypatch):
    as_role("procurement_officer")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = _upload(client, provider, PDF + b"0" * 5000, "stor.pdf")
    assert response.status_code == 413


def test_download_is_an_attachment_and_forbidden_to_social_workers(client, as_role, login, provider,
                                                                     evidence_dir):
    as_role("procurement_officer")
    assert _upload(client, provider, PNG, "intyg.pdf").status_code == 302
    document = db.session.scalars(select(EvidenceDocument).order_by(EvidenceDocument.id.desc())).first()
    response = client.get(f"/evidence/{document.id}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "intyg.pdf.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    client.post("/logout")
    as_role("social_worker")
    assert client.get(f"/evidence/{document.id}").status_code == 403
    assert client.get(f"/providers/{provider.id}/checks").status_code == 403
    assert _upload(client, provider, PDF, "x.pdf").status_code == 403


def test_local_storage_interface(tmp_path):
    storage = LocalFolderStorage(tmp_path, max_bytes=10)
    stored = storage.save(io.BytesIO(b"0123456789"))
    assert stored.size == 10 and stored.sha256 == hashlib.sha256(b"0123456789").hexdigest()
    with storage.open(stored.key) as fh:
        assert fh.read() == b"0123456789"
    with pytest.raises(TooLarge):
        storage.save(io.BytesIO(b"x" * 11))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [stored.key]  # no temp left
    storage.delete(stored.key)
    with pytest.raises(UnknownKey):
        storage.open(stored.key)
    with pytest.raises(UnknownKey):
        storage.open("../../etc/passwd")
