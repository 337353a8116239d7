"""Checks across organisations: a licence verification and an automatic register answer are
shared facts; a manual check is the recording organisation's own unless marked shareable, and
then the others see it as "Delad av <organisation>" (never the person, never the file)."""
from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from checks.base import CheckResult, CheckStatus, Evidence
from tests.factories import make_licence, make_organisation, make_provider, make_user
from vendor_registry import clock
from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.auth import tokens
from vendor_registry.background_checks import services
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.codes import CheckType, LicenceStatus, VerificationMethod
from vendor_registry.extensions import db
from vendor_registry.organisations import tenancy
from vendor_registry.organisations.models import Organisation
from vendor_registry.organisations.services import rename_organisation

PDF = b"%PDF-1.4\n%%EOF\n"


def _organisations():
    malmo = db.session.get(Organisation, tenancy.default_organisation_id())
    rename_organisation(malmo, "Malmö stad")
    return malmo, make_organisation("Lunds kommun")


def _token(user) -> dict[str, str]:
    _token_row, plain = tokens.create_token(user, "test")
    return {"Authorization": f"Bearer {plain}"}


def _signed_in_as(client, login, db_session, email):
    """A fresh session for the next requests, as a real request has (nothing of the other
    organisation's left in the identity map), then sign in."""
    client.post("/logout")
    db_session.expunge_all()
    login(SimpleNamespace(email=email))


def test_a_shareable_manual_check_is_seen_by_others_under_the_recorders_name(
        client, login, db_session, evidence_dir):
    malmo, lund = _organisations()
    provider = make_provider(kinds=["hvb"])
    chief = make_user(role="supervisor", organisation=malmo, name="Maja Malmö", email="maja@malmo.example.org")
    lund_chief = make_user(role="supervisor", organisation=lund, email="lena@lund.example.org")
    lund_headers = _token(lund_chief)
    db_session.commit()
    provider_id, org_number = provider.id, provider.org_number
    today = clock.today().isoformat()

    login(chief)
    form = client.get(f"/providers/{provider_id}/checks/new").get_data(as_text=True)
    assert 'name="shareable"' in form
    for summary, shareable in (("Skatteskuld saknas enligt Skatteverket.", "y"), ("Egen anteckning om försäkring.", None)):
        data = {"check_type": "tax_registration", "performed_on": today, "result": "pass", "summary": summary,
                "evidence": "SKV 2026-11", "document": (io.BytesIO(PDF), "skv.pdf")}
        if shareable:
            data["shareable"] = shareable
        response = client.post(f"/providers/{provider_id}/checks/new", data=data, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    shared, own = db_session.scalars(select(BackgroundCheck).order_by(BackgroundCheck.id)).all()
    assert (shared.organisation_id, shared.shared_by_organisation_id) == (None, malmo.id)
    assert (own.organisation_id, own.shared_by_organisation_id) == (malmo.id, None)
    document_id = shared.evidence_document_id
    assert db_session.get(EvidenceDocument, document_id).organisation_id == malmo.id  # the file stays own
    mine = client.get(f"/providers/{provider_id}/checks").get_data(as_text=True)
    assert "Delad med andra organisationer" in mine and "Egen anteckning" in mine

    _signed_in_as(client, login, db_session, "lena@lund.example.org")
    page = client.get(f"/providers/{provider_id}/checks").get_data(as_text=True)
    assert "Skatteskuld saknas enligt Skatteverket." in page and "Delad av Malmö stad" in page
    assert "Egen anteckning" not in page and "maja@malmo.example.org" not in page
    assert f"/evidence/{document_id}" not in page
    assert client.get(f"/evidence/{document_id}").status_code == 404
    assert "Delad av Malmö stad" in client.get(f"/providers/{provider_id}").get_data(as_text=True)

    listed = client.get(f"/api/v1/providers/{org_number}/checks", headers=lund_headers).get_json()["items"]
    assert [(c["summary"], c["shared"], c["shared_by"], c["performed_by"]) for c in listed] == [
        ("Skatteskuld saknas enligt Skatteverket.", True, "Malmö stad", "Malmö stad")]


def test_the_api_records_a_shareable_check(client, db_session):
    malmo, lund = _organisations()
    provider = make_provider(kinds=["hvb"])
    headers = _token(make_user(role="procurement_officer", organisation=malmo, email="ulf@malmo.example.org"))
    lund_headers = _token(make_user(role="procurement_officer", organisation=lund))
    db_session.commit()
    body = {"type": "insurance", "result": "pass", "performed_on": clock.today().isoformat(),
            "summary": "Ansvarsförsäkring gäller till 2027."}
    own = client.post(f"/api/v1/providers/{provider.org_number}/checks", json=body, headers=headers)
    shared = client.post(f"/api/v1/providers/{provider.org_number}/checks", json={**body, "shareable": True},
                         headers=headers)
    assert own.status_code == 201 and shared.status_code == 201
    assert (own.get_json()["shared"], own.get_json()["shared_by"]) == (False, None)
    assert shared.get_json()["shared"] is True and shared.get_json()["shared_by"] == "Malmö stad"
    assert shared.get_json()["performed_by"] == "ulf@malmo.example.org"  # the own organisation sees its person
    seen = client.get(f"/api/v1/providers/{provider.org_number}/checks", headers=lund_headers).get_json()["items"]
    assert [c["id"] for c in seen] == [shared.get_json()["id"]]
    assert client.get(f"/api/v1/checks/{own.get_json()['id']}", headers=lund_headers).status_code == 404
    refused = client.post(f"/api/v1/providers/{provider.org_number}/checks", json={**body, "shareable": "yes"},
                          headers=headers)
    assert refused.status_code == 422


def test_another_organisation_sees_a_licence_verification_and_the_automatic_result(
        client, login, db_session, evidence_dir):
    malmo, lund = _organisations()
    provider = make_provider(kinds=["hvb"])
    licence = make_licence(provider, last_verified_at=None, verification_method=None, status=LicenceStatus.VALID)
    chief = make_user(role="supervisor", organisation=malmo)
    lund_chief = make_user(role="supervisor", organisation=lund, email="lena@lund.example.org")
    lund_headers = _token(lund_chief)
    fetched = clock.utcnow() - timedelta(minutes=5)
    result = CheckResult.make(
        CheckType.IVO_REGISTER.value, CheckStatus.PASS, "Tillståndet finns i IVO:s register.",
        details={"licences": {str(licence.id): "valid"}},
        evidence=Evidence(source_url="https://register.example/sok?orgnr=1", request_id=None, sha256=None,
                          raw=b"<html>HVB beviljat</html>", content_type="text/html"),
        fetched_at=fetched)
    with acting_as(Actor("user", chief.email, chief.id, chief)), tenancy.within_organisation(malmo.id):
        check = services.record_check_result(provider, result, automatic=False)  # Malmö pressed "Kör nu"
    db_session.commit()
    assert check.organisation_id is None and check.shared_by_organisation_id is None
    verified_at = licence.last_verified_at
    assert verified_at is not None and licence.verification_method is VerificationMethod.IVO_REGISTER
    provider_id, org_number, check_id, document_id = provider.id, provider.org_number, check.id, check.evidence_document_id

    _signed_in_as(client, login, db_session, "lena@lund.example.org")
    licences = client.get(f"/api/v1/providers/{org_number}/licences", headers=lund_headers).get_json()["items"]
    assert [(item["verification_method"], item["last_verified_at"] is not None) for item in licences] == \
        [("ivo_register", True)]
    checks = client.get(f"/api/v1/providers/{org_number}/checks", headers=lund_headers).get_json()["items"]
    assert [(c["id"], c["type"], c["result"], c["shared"]) for c in checks] == [(check_id, "ivo_register", "pass", True)]
    page = client.get(f"/providers/{provider_id}").get_data(as_text=True)
    assert "IVO:s register" in page and "Tillståndet finns i IVO:s register." in page
    assert client.get(f"/evidence/{document_id}").status_code == 200  # the register's answer is shared too
