"""IVO register extract import: the dry run writes nothing; applying writes the verifications."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests.background_checks.conftest import DATA
from tests.factories import make_licence, make_provider
from vendor_registry.audit.models import AuditEvent
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.codes import (
    CheckOutcome,
    CheckType,
    LicenceStatus,
    VerificationMethod,
)
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence

EXTRACT = (DATA / "extract" / "extract_semicolon_bom.csv").read_bytes()
BAD_ROWS = (
    "Organisationsnummer;Namn;Verksamhetsform;Beslutsdatum;Status\n"
    "559300-0128;Felsiffran AB;HVB;2020-01-01;Gällande\n"
    "5593000127;Solgläntan Omsorg AB;Fritidsgård;2020-01-01;Vilande\n"
).encode()


def _counts() -> dict[str, int]:
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))
    return {"checks": count(BackgroundCheck), "documents": count(EvidenceDocument),
            "audit": count(AuditEvent), "licences": count(Licence)}


def _dry_run(client, data: bytes, name: str = "utdrag.csv"):
    return client.post("/checks/ivo-extract", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def extract_world(db_session, solglantan, havsbris):
    """Solgläntan: valid, stays valid. Havsbris: valid, the extract says revoked."""
    other = make_provider(org_number="5593000481", name="Annan AB", kinds=["hvb"])
    make_licence(other, kind="hvb", ivo_reference="9.9.9-1/2020", status="valid")
    db_session.commit()
    return solglantan, havsbris


def test_dry_run_writes_nothing_and_reports(client, as_role, extract_world, evidence_dir):
    as_role("procurement_officer")
    (_provider, licence), (_revoked_provider, revoked_licence) = extract_world
    before = _counts()
    verified_before = licence.last_verified_at
    response = _dry_run(client, EXTRACT)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    assert "Matchade tillstånd: 2" in html
    assert "Tillstånd som byter status: 1" in html
    assert "Rader utan matchning: 1" in html  # Lindängens Stödboende is not in our registry
    assert "Organisationsnumret finns inte i registret." in html
    assert "Havsbris Behandling AB" in html
    assert _counts() == before
    db.session.expire_all()
    assert db.session.get(Licence, revoked_licence.id).status is LicenceStatus.VALID
    assert db.session.get(Licence, licence.id).last_verified_at == verified_before
    # the upload waits in the pending folder, referenced by a server-generated key
    key = _hidden(html, "key")
    assert (evidence_dir / "pending" / key[:2] / key).is_file()


def test_dry_run_lists_rows_with_errors(client, as_role, extract_world, evidence_dir):
    as_role("procurement_officer")
    before = _counts()
    html = _dry_run(client, BAD_ROWS).get_data(as_text=True)
    assert "Rader med fel: 2" in html
    assert "Ogiltigt organisationsnummer" in html
    assert "Okänd verksamhetsform" in html
    assert _counts() == before


def test_bad_file_is_refused_with_a_message(client, as_role, evidence_dir):
    as_role("procurement_officer")
    response = _dry_run(client, b"MZ\x90\x00binary", "utdrag.csv")
    assert response.status_code == 422
    assert "inte en CSV- eller Excel-fil" in response.get_data(as_text=True)
    html = _dry_run(client, b"a;b;c\n1;2;3\n").get_data(as_text=True)
    assert "Filen kan inte importeras" in html


def test_apply_writes_verifications_and_one_check_per_provider(client, as_role, extract_world, evidence_dir):
    user = as_role("procurement_officer")
    (provider, licence), (revoked_provider, revoked_licence) = extract_world
    verified_before = licence.last_verified_at
    before = _counts()
    html = _dry_run(client, EXTRACT).get_data(as_text=True)
    form = {"key": _hidden(html, "key"), "sha256": _hidden(html, "sha256"), "filename": "utdrag.csv"}
    response = client.post("/checks/ivo-extract/apply", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    after = _counts()
    assert after["checks"] == before["checks"] + 2
    assert after["documents"] == before["documents"] + 1
    document = db.session.scalars(select(EvidenceDocument).order_by(EvidenceDocument.id.desc())).first()
    assert document.content_type == "text/csv" and document.original_filename == "utdrag.csv"

    kept = db.session.get(Licence, licence.id)
    assert kept.status is LicenceStatus.VALID
    assert kept.verification_method is VerificationMethod.IVO_EXTRACT
    assert kept.evidence_document_id == document.id
    assert kept.last_verified_at > verified_before
    lapsed = db.session.get(Licence, revoked_licence.id)
    assert lapsed.status is LicenceStatus.REVOKED
    assert lapsed.evidence_document_id == document.id

    checks = {c.provider_id: c for c in db.session.scalars(
        select(BackgroundCheck).where(BackgroundCheck.evidence_document_id == document.id))}
    assert set(checks) == {provider.id, revoked_provider.id}
    assert all(c.check_type is CheckType.IVO_REGISTER and not c.automatic for c in checks.values())
    assert checks[provider.id].result is CheckOutcome.PASS
    assert checks[revoked_provider.id].result is CheckOutcome.FAIL
    assert checks[provider.id].performed_by_id == user.id
    assert after["audit"] > before["audit"]
    # the pending copy is gone; applying the same page twice changes nothing more
    assert not any((evidence_dir / "pending").rglob(form["key"]))
    again = client.post("/checks/ivo-extract/apply", data=form, follow_redirects=True)
    assert again.status_code == 409  # said plainly, not "upload it again" (issue 17 item 6)
    assert "Registerutdraget är redan infört" in again.get_data(as_text=True)
    assert _counts()["checks"] == after["checks"]


def test_apply_refuses_a_changed_file(client, as_role, extract_world, evidence_dir):
    as_role("procurement_officer")
    html = _dry_run(client, EXTRACT).get_data(as_text=True)
    before = _counts()
    form = {"key": _hidden(html, "key"), "sha256": "0" * 64, "filename": "utdrag.csv"}
    response = client.post("/checks/ivo-extract/apply", data=form, follow_redirects=True)
    assert "har ändrats" in response.get_data(as_text=True)
    assert _counts() == before


def test_social_worker_cannot_import(client, as_role, evidence_dir):
    as_role("social_worker")
    assert client.get("/checks/ivo-extract").status_code == 403
    assert _dry_run(client, EXTRACT).status_code == 403


def test_xlsx_extract_dry_run_and_apply(client, as_role, extract_world, evidence_dir):
    from openpyxl import Workbook

    as_role("procurement_officer")
    (_provider, _licence), (_revoked_provider, revoked_licence) = extract_world
    book = Workbook()
    sheet = book.active
    sheet.append(["Organisationsnummer", "Namn", "Verksamhetsform", "Beslutsdatum", "Status", "Diarienummer"])
    sheet.append(["559300-0242", "Havsbris Behandling AB", "HVB för vuxna", "2024-02-01", "Återkallat",
                  "3.5.1-08812/2020"])
    data = io.BytesIO()
    book.save(data)
    before = _counts()
    html = _dry_run(client, data.getvalue(), "utdrag.xlsx").get_data(as_text=True)
    assert "Tillstånd som byter status: 1" in html
    assert _counts() == before
    form = {"key": _hidden(html, "key"), "sha256": _hidden(html, "sha256"), "filename": "utdrag.xlsx"}
    assert client.post("/checks/ivo-extract/apply", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Licence, revoked_licence.id).status is LicenceStatus.REVOKED
    document = db.session.get(EvidenceDocument, db.session.get(Licence, revoked_licence.id).evidence_document_id)
    assert document.content_type.endswith("spreadsheetml.sheet")


def test_plan_statements_do_not_grow_with_rows(db_session, statement_counter):
    from tests.factories import next_org_number
    from vendor_registry.background_checks.extract_import import plan_import

    header = "Organisationsnummer;Namn;Verksamhetsform;Beslutsdatum;Status;Diarienummer\n"

    def extract(n: int) -> bytes:
        lines = []
        for _ in range(n):
            provider = make_provider(kinds=["hvb"])
            make_licence(provider, kind="hvb", ivo_reference=None, status="valid")
            lines.append(f"{provider.org_number};{provider.name};HVB;2020-01-01;Gällande;\n")
        lines.append(f"{next_org_number()};Okänd AB;HVB;2020-01-01;Gällande;\n")
        return (header + "".join(lines)).encode()

    small, large = extract(3), extract(30)
    with statement_counter() as few:
        plan_small = plan_import(small, "a.csv")
    with statement_counter() as many:
        plan_large = plan_import(large, "b.csv")
    assert len(few) == len(many) <= 3
    assert (len(plan_small.matched), len(plan_small.unmatched)) == (3, 1)
    assert (len(plan_large.matched), len(plan_large.unmatched)) == (30, 1)
