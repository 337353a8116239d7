"""Uploaded evidence is shown: listed on the provider page (who, when, what it supports, size,
download), linkable from a licence, a review and a manual check, and hidden from social
workers when it is background-check material (DOMAIN §5)."""
from __future__ import annotations

import io
import uuid
from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.factories import (
    make_check,
    make_licence,
    make_provider,
    make_review,
    make_user,
)
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.codes import CheckType, Role
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence
from vendor_registry.reviews.models import Review

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(client, provider, name="Försäkringsbrev, 2026.pdf", description='Brev från "Trygg" försäkring'):
    response = client.post(f"/providers/{provider.id}/evidence/new",
                           data={"document": (io.BytesIO(PDF), name), "description": description},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response, db.session.scalars(select(EvidenceDocument).order_by(EvidenceDocument.id.desc())).first()


def _document(provider, **kw) -> EvidenceDocument:
    values = {"provider_id": provider.id, "storage_key": uuid.uuid4().hex, "original_filename": "intyg.pdf",
              "content_type": "application/pdf", "size_bytes": 2048, "sha256": "0" * 64}
    values.update(kw)
    document = EvidenceDocument(**values)
    db.session.add(document)
    db.session.flush()
    return document


def _evidence_rows(html: str) -> dict[str, str]:
    table = BeautifulSoup(html, "html.parser").find(id="evidence-list")
    if table is None:
        return {}
    return {row.th.get_text(" ", strip=True): row.get_text(" ", strip=True) for row in table.tbody.find_all("tr")}


def test_uploaded_file_is_listed_on_the_provider_page_and_downloads(client, login, db_session, evidence_dir):
    provider = make_provider()
    officer = make_user(role=Role.PROCUREMENT_OFFICER, name="Åsa Upphandlare")
    db_session.commit()
    login(officer)
    response, document = _upload(client, provider)
    assert response.headers["Location"].endswith(f"/providers/{provider.id}#evidence")
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    rows = _evidence_rows(page)
    assert len(rows) == 1
    (name, text), = rows.items()
    assert name.startswith("Försäkringsbrev, 2026.pdf")
    assert 'Brev från "Trygg" försäkring' in text
    assert "Åsa Upphandlare" in text
    assert "Inte kopplad ännu" in text
    assert f"{len(PDF)}\u00a0B" in text
    assert document.uploaded_at.astimezone().strftime("%Y") in text
    link = BeautifulSoup(page, "html.parser").find(id=f"evidence-{document.id}").find("a")["href"]
    download = client.get(link)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Content-Security-Policy" in download.headers


def test_licence_review_and_check_link_to_a_file_and_show_it(client, login, db_session, evidence_dir):
    provider = make_provider()
    licence = make_licence(provider)
    review = make_review(provider, performed_on=date(2026, 2, 1))
    officer = make_user(role=Role.PROCUREMENT_OFFICER)
    db_session.commit()
    login(officer)
    _, document = _upload(client, provider, name="tillstandsbevis.pdf", description="Tillståndsbevis")

    url = f"/providers/{provider.id}/licences/{licence.id}/edit"
    form = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    options = {o["value"]: o.get_text() for o in form.find(id="evidence_document_id").find_all("option")}
    assert str(document.id) in options and "tillstandsbevis.pdf (Tillståndsbevis" in options[str(document.id)]
    response = client.post(url, data={"kind": licence.kind.value, "form": licence.form.value,
                                      "status": licence.status.value, "ivo_reference": licence.ivo_reference,
                                      "granted_on": "2024-05-01", "evidence_document_id": str(document.id),
                                      "version": licence.version})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    url = f"/reviews/{review.id}/edit"
    response = client.post(url, data={"kind": review.kind.value, "performed_on": "2026-02-01",
                                      "outcome": review.outcome.value, "evidence_document_id": str(document.id),
                                      "version": review.version, "save": "Spara"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    response = client.post(f"/providers/{provider.id}/checks/new", data={
        "check_type": "insurance", "performed_on": "2026-02-01", "result": "pass",
        "summary": "Försäkringen gäller", "evidence_document_id": str(document.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    db.session.expire_all()
    assert db.session.get(Licence, licence.id).evidence_document_id == document.id
    assert db.session.get(Review, review.id).evidence_document_id == document.id
    check = db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.provider_id == provider.id)).one()
    assert check.evidence_document_id == document.id

    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    text = _evidence_rows(page)["tillstandsbevis.pdf (application/pdf)"]
    assert "Bakgrundskontroll: Ansvarsförsäkring, 2026-02-01 (Godkänd)" in text
    assert "Tillstånd: Skyddat boende" in text
    assert "Uppföljning:" in text and "2026-02-01" in text
    soup = BeautifulSoup(page, "html.parser")
    for section in ("licences", "reviews", "checks"):
        links = [a["href"] for a in soup.find(id=section).select("a.evidence-link")]
        assert links == [f"/evidence/{document.id}"], section


def test_a_file_of_another_provider_is_refused_in_swedish_and_nothing_changes(client, login, db_session):
    provider, other = make_provider(), make_provider()
    licence = make_licence(provider)
    foreign = _document(other)
    officer = make_user(role=Role.PROCUREMENT_OFFICER)
    db_session.commit()
    login(officer)
    url = f"/providers/{provider.id}/licences/{licence.id}/edit"
    response = client.post(url, data={"kind": licence.kind.value, "form": licence.form.value,
                                      "status": licence.status.value, "evidence_document_id": str(foreign.id),
                                      "version": licence.version, "scope": "Ny omfattning"})
    assert response.status_code == 422
    assert db.session.get(Licence, licence.id).evidence_document_id is None
    # the service refuses it too (the API and any form that lists it by mistake)
    from vendor_registry.licences import services
    from vendor_registry.providers.services import ValidationFailed
    try:
        services.update_licence(licence, {"evidence_document_id": foreign.id}, licence.version)
    except ValidationFailed as exc:
        assert [str(m) for m in exc.errors["evidence_document_id"]] == [
            "Filen hör inte till den här utförarens underlag."]
    else:
        raise AssertionError("a foreign document was accepted")
    db.session.rollback()


def test_social_workers_never_see_background_check_evidence(client, login, db_session, evidence_dir):
    provider = make_provider()
    officer = make_user(role=Role.PROCUREMENT_OFFICER)
    worker = make_user(role=Role.SOCIAL_WORKER)
    db_session.commit()
    login(officer)
    _, licence_doc = _upload(client, provider, name="tillstand.pdf", description="Tillståndsbevis")
    _, check_doc = _upload(client, provider, name="belastningsregister.pdf", description="Utdrag")
    _, both_doc = _upload(client, provider, name="ivo-svar.pdf", description="Svar från IVO")
    _, loose_doc = _upload(client, provider, name="lost.pdf", description="Inte kopplad")
    make_licence(provider, evidence_document_id=licence_doc.id)
    make_check(provider, check_type=CheckType.STAFF_RECORDS, evidence_document_id=check_doc.id)
    make_check(provider, check_type=CheckType.IVO_REGISTER, evidence_document_id=both_doc.id)
    make_licence(provider, evidence_document_id=both_doc.id)
    db_session.commit()
    assert len(_evidence_rows(client.get(f"/providers/{provider.id}").get_data(as_text=True))) == 4

    client.post("/logout")
    login(worker)
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert list(_evidence_rows(page)) == ["tillstand.pdf (application/pdf)"]
    for hidden in ("belastningsregister.pdf", "ivo-svar.pdf", "lost.pdf", "Utdrag"):
        assert hidden not in page
    assert client.get(f"/evidence/{licence_doc.id}").status_code == 200
    for document in (check_doc, both_doc, loose_doc):
        assert client.get(f"/evidence/{document.id}").status_code == 403


def test_evidence_list_statements_do_not_grow_with_documents(client, as_role, db_session, statement_counter):
    provider = make_provider()
    document = _document(provider)
    make_licence(provider, evidence_document_id=document.id)
    make_review(provider, evidence_document_id=document.id)
    make_check(provider, evidence_document_id=document.id)
    db_session.commit()
    as_role("supervisor")

    def count():
        with statement_counter() as statements:
            html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
        return len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]), html

    before, html = count()
    assert len(_evidence_rows(html)) == 1
    for n in range(15):
        document = _document(provider, original_filename=f"fil-{n}.pdf")
        make_licence(provider, evidence_document_id=document.id)
        make_review(provider, evidence_document_id=document.id)
        make_check(provider, evidence_document_id=document.id)
    db_session.commit()
    after, html = count()
    assert len(_evidence_rows(html)) == 16
    # the page's change history looks up one statement per kind of record among its latest events;
    # with more rows the provider's approval event drops out of them, so one statement fewer
    assert after <= before
