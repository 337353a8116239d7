"""Source faults end to end: the "run check now" button, real HTTP to a local fake source.

For each fault: exactly one BackgroundCheck with result ``error`` and a clear summary, the
licence untouched (status and last verification), and nothing lost.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from werkzeug import Response

from tests.background_checks.conftest import (
    IVO_PATH,
    ivo_page,
    serve_bolagsverket,
    serve_robots,
)
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.codes import CheckOutcome, CheckType, LicenceStatus
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence


def _checks(provider_id: int) -> list[BackgroundCheck]:
    return list(db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.provider_id == provider_id)
                                   .order_by(BackgroundCheck.id)))


def _run(client, provider, check_type: str):
    response = client.post(f"/providers/{provider.id}/checks/run", data={"check_type": check_type})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def _assert_error_recorded(provider, licence, before_verified, *words):
    db.session.expire_all()
    checks = _checks(provider.id)
    assert len(checks) == 1, [(c.result, c.summary) for c in checks]
    check = checks[0]
    assert check.result is CheckOutcome.ERROR
    assert check.automatic is True
    assert check.summary.strip()
    for word in words:
        assert word.lower() in check.summary.lower(), check.summary
    assert "licences" not in (check.details or {})
    fresh = db.session.get(Licence, licence.id)
    assert fresh.status is LicenceStatus.VALID
    assert fresh.last_verified_at == before_verified
    # An error is retried the next day, not only after the whole interval.
    assert (check.next_due_on - check.performed_at.date()).days <= 2
    return check


@pytest.fixture
def officer(as_role):
    return as_role("procurement_officer")


def test_ivo_connection_refused(client, officer, sources, solglantan, closed_port_url):
    provider, licence = solglantan
    verified_before = licence.last_verified_at
    sources.ivo(closed_port_url)
    _run(client, provider, "ivo_register")
    _assert_error_recorded(provider, licence, verified_before, "kunde inte")


def test_ivo_timeout(client, officer, sources, solglantan, threaded_server):
    provider, licence = solglantan
    verified_before = licence.last_verified_at
    serve_robots(threaded_server)

    def slow(_request):
        time.sleep(1.2)
        return Response(ivo_page("valid.html"), content_type="text/html")

    threaded_server.expect_request(IVO_PATH).respond_with_handler(slow)
    sources.ivo(threaded_server)
    _run(client, provider, "ivo_register")
    _assert_error_recorded(provider, licence, verified_before, "tidsgränsen")


def test_ivo_500_then_200_is_retried_and_passes(client, officer, sources, solglantan, httpserver):
    provider, licence = solglantan
    verified_before = licence.last_verified_at
    serve_robots(httpserver)
    httpserver.expect_oneshot_request(IVO_PATH).respond_with_data("boom", status=500)
    httpserver.expect_request(IVO_PATH).respond_with_data(ivo_page("valid.html"),
                                                          content_type="text/html; charset=utf-8")
    sources.ivo(httpserver)
    _run(client, provider, "ivo_register")
    db.session.expire_all()
    [check] = _checks(provider.id)
    assert check.result is CheckOutcome.PASS, check.summary
    page_requests = [r for r, _ in httpserver.log if r.path == IVO_PATH]
    assert len(page_requests) == 2
    fresh = db.session.get(Licence, licence.id)
    assert fresh.status is LicenceStatus.VALID
    assert fresh.last_verified_at > verified_before
    assert fresh.verification_method.value == "ivo_register"
    # The raw page is kept as evidence, with the digest the checker computed.
    document = db.session.get(EvidenceDocument, check.evidence_document_id)
    assert document.sha256 == check.response_sha256
    assert check.source_url.endswith("orgnr=559300-0127")


@pytest.mark.parametrize("page", ["error_page.html", "layout_divs.html"])
def test_ivo_200_error_page_or_changed_layout(client, officer, sources, solglantan, httpserver, page):
    provider, licence = solglantan
    verified_before = licence.last_verified_at
    serve_robots(httpserver)
    httpserver.expect_request(IVO_PATH).respond_with_data(ivo_page(page), content_type="text/html")
    sources.ivo(httpserver)
    _run(client, provider, "ivo_register")
    check = _assert_error_recorded(provider, licence, verified_before, "IVO:s register kunde inte läsas")
    assert check.evidence_document_id is not None  # what the source said is kept


def test_ivo_revoked_changes_licence_on_definite_answer(client, officer, sources, havsbris, httpserver):
    provider, licence = havsbris
    verified_before = licence.last_verified_at
    serve_robots(httpserver)
    httpserver.expect_request(IVO_PATH).respond_with_data(ivo_page("revoked.html"), content_type="text/html")
    sources.ivo(httpserver)
    _run(client, provider, "ivo_register")
    db.session.expire_all()
    [check] = _checks(provider.id)
    assert check.result is CheckOutcome.FAIL
    assert db.session.get(Licence, licence.id).status is LicenceStatus.REVOKED
    assert db.session.get(Licence, licence.id).last_verified_at > verified_before
    assert check.details["licence_changes"] == {str(licence.id): ["valid", "revoked"]}


def test_bolagsverket_source_unavailable(client, officer, sources, solglantan, httpserver):
    provider, licence = solglantan
    verified_before = licence.last_verified_at
    serve_bolagsverket(httpserver, "source_unavailable.json")
    sources.bolagsverket(httpserver)
    _run(client, provider, "company_registry")
    check = _assert_error_recorded(provider, licence, verified_before, "OTILLGANGLIG_UPPGIFTSKALLA")
    assert check.check_type is CheckType.COMPANY_REGISTRY
    assert check.request_id  # the X-Request-Id we sent is kept with the evidence


def test_bolagsverket_pass_sets_next_due_from_policy(client, officer, sources, solglantan, httpserver):
    provider, _licence = solglantan
    serve_bolagsverket(httpserver, "active.json")
    sources.bolagsverket(httpserver)
    _run(client, provider, "company_registry")
    [check] = _checks(provider.id)
    assert check.result is CheckOutcome.PASS
    # hvb's policy interval for company_registry is 90 days
    assert (check.next_due_on - check.performed_at.date()).days in (90, 91)


def test_not_configured_records_nothing(client, officer, sources, solglantan):
    provider, _licence = solglantan
    response = client.post(f"/providers/{provider.id}/checks/run", data={"check_type": "company_registry"},
                           follow_redirects=True)
    assert "Inte konfigurerad" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BackgroundCheck)
                             .where(BackgroundCheck.provider_id == provider.id)) == 0
