"""The register page's activity and scope columns, end to end (issue 10, section 1).

The "run check now" button asks a real loopback HTTP server serving the recorded pages
tests/data/ivo/both_columns*.html; what must hold is what the registry then records: the
verification of a confirmed licence, the revocation through the licence flow (audited), no
change on an unreadable value, and no critical disagreement for an appealed revocation.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.background_checks.conftest import IVO_PATH, ivo_page, serve_robots
from tests.factories import make_licence, make_provider
from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.codes import (
    CheckOutcome,
    LicenceKind,
    LicenceStatus,
    VerificationMethod,
)
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.rules import RuleContext
from vendor_registry.flags.rules import checks as check_rules
from vendor_registry.flags.rules import licences as licence_rules
from vendor_registry.licences.models import Licence

LONG_AGO = timedelta(days=90)


@pytest.fixture
def officer(as_role):
    return as_role("procurement_officer")


def _provider(org_number: str, name: str, **licence):
    provider = make_provider(org_number=org_number, name=name, kinds=["hvb"])
    values = {"kind": LicenceKind.HVB, "ivo_reference": None, "last_verified_at": utcnow() - LONG_AGO}
    values.update(licence)
    lic = make_licence(provider, **values)
    db.session.commit()
    return provider, lic


def _run_check(client, sources, httpserver, provider, page: str) -> tuple[BackgroundCheck, Licence]:
    serve_robots(httpserver)
    httpserver.expect_request(IVO_PATH).respond_with_data(ivo_page(page), content_type="text/html")
    sources.ivo(httpserver)
    response = client.post(f"/providers/{provider.id}/checks/run", data={"check_type": "ivo_register"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    [check] = db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.provider_id == provider.id))
    licence = db.session.scalars(select(Licence).where(Licence.provider_id == provider.id)).one()
    return check, licence


def _rule(app, rule_fn, provider) -> dict[str, str]:
    found = rule_fn(RuleContext(session=db.session, today=clock.today(), settings=app.config))
    return {f.subject_key: f.severity.value for f in found if f.provider_id == provider.id}


def _licence_audit(licence: Licence) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "licences", AuditEvent.entity_id == str(licence.id),
        AuditEvent.action == "update")))


def test_page_confirming_our_licence_records_the_verification(app, client, officer, sources, httpserver):
    provider, _licence = _provider("5593000903", "Vintergatan Omsorg AB", scope="Vuxna")
    check, fresh = _run_check(client, sources, httpserver, provider, "both_columns.html")
    assert check.result is CheckOutcome.PASS, check.summary
    assert "Vuxna" not in check.summary and "okänd" not in check.summary
    assert fresh.status is LicenceStatus.VALID
    assert fresh.last_verified_at == check.performed_at.replace(tzinfo=fresh.last_verified_at.tzinfo)
    assert fresh.verification_method is VerificationMethod.IVO_REGISTER
    assert fresh.evidence_document_id == check.evidence_document_id is not None
    assert fresh.evidence == check.source_url and "orgnr=559300-0903" in fresh.evidence
    assert _rule(app, licence_rules.licence_unverified, provider) == {}
    assert _rule(app, licence_rules.licence_mismatch, provider) == {}
    assert _rule(app, check_rules.check_failed, provider) == {}


def test_revoked_on_the_page_revokes_our_licence_audited(app, client, officer, sources, httpserver):
    provider, licence = _provider("5593000911", "Kustbrynet Behandling AB", scope="Vuxna med missbruk")
    check, fresh = _run_check(client, sources, httpserver, provider, "both_columns_revoked.html")
    assert check.result is CheckOutcome.FAIL, check.summary
    assert "Tillstånd för HVB återkallat (beslut 2025-09-30)" in check.summary
    assert fresh.status is LicenceStatus.REVOKED
    assert fresh.verification_method is VerificationMethod.IVO_REGISTER
    assert check.details["licence_changes"] == {str(licence.id): ["valid", "revoked"]}
    [event] = [e for e in _licence_audit(fresh) if "status" in e.changes]
    assert event.changes["status"] == ["valid", "revoked"]
    assert event.provider_id == provider.id
    # The licence flow of DOMAIN.md §4: lapsed and failed are critical; our record now agrees.
    assert _rule(app, licence_rules.licence_lapsed, provider) == {f"licence:{licence.id}": "critical"}
    assert _rule(app, check_rules.check_failed, provider) == {"check:ivo_register": "critical"}
    assert _rule(app, licence_rules.licence_mismatch, provider) == {}


def test_unreadable_activity_or_status_is_an_error_and_changes_nothing(app, client, officer, sources,
                                                                       httpserver):
    provider, licence = _provider("5593000937", "Lövsångaren Omsorg AB")
    verified_before = licence.last_verified_at
    check, fresh = _run_check(client, sources, httpserver, provider, "both_columns_unknown.html")
    assert check.result is CheckOutcome.ERROR
    assert "okänd verksamhetsform 'Hem för ensamkommande'" in check.summary
    assert "okänd status 'Vilande'" in check.summary
    assert "licences" not in check.details
    assert fresh.status is LicenceStatus.VALID and fresh.last_verified_at == verified_before
    assert _licence_audit(fresh) == []
    assert check.next_due_on == clock.today(check.performed_at) + timedelta(days=1)
    assert _rule(app, check_rules.check_failed, provider) == {}
    assert _rule(app, licence_rules.licence_mismatch, provider) == {}


def test_appealed_revocation_still_listed_as_revoked_is_consistent(app, client, officer, sources,
                                                                    httpserver):
    provider, _licence = _provider("5593000911", "Kustbrynet Behandling AB",
                                  ivo_reference="3.5.1-09120/2020",
                                  status=LicenceStatus.REVOCATION_APPEALED)
    check, fresh = _run_check(client, sources, httpserver, provider, "both_columns_revoked.html")
    assert check.result is CheckOutcome.PASS, check.summary
    assert "överklagat, registret visar återkallat" in check.summary
    assert fresh.status is LicenceStatus.REVOCATION_APPEALED
    assert fresh.last_verified_at > utcnow() - timedelta(hours=1)
    assert _rule(app, licence_rules.licence_mismatch, provider) == {}
    assert _rule(app, check_rules.check_failed, provider) == {}


def test_scope_mismatch_is_reported_not_a_revocation(app, client, officer, sources, httpserver):
    provider, licence = _provider("5593000911", "Kustbrynet Behandling AB", scope="Vuxna")
    verified_before = licence.last_verified_at
    check, fresh = _run_check(client, sources, httpserver, provider, "both_columns_revoked.html")
    assert check.result is CheckOutcome.CONCERN, check.summary
    assert "avser 'Vuxna med missbruk' i registret, men 'Vuxna' hos oss" in check.summary
    assert fresh.status is LicenceStatus.VALID and fresh.last_verified_at == verified_before
    assert _licence_audit(fresh) == []
    assert _rule(app, licence_rules.licence_mismatch, provider) == {}
    assert _rule(app, check_rules.check_failed, provider) == {"check:ivo_register": "high"}


def test_three_pages_with_scopes_expire_and_revoke_the_right_licences(app, client, officer, sources,
                                                                       httpserver):
    provider = make_provider(org_number="5593000929", name="Fyrbåken Vård AB",
                             kinds=["hvb", "supported_housing"])
    old = utcnow() - LONG_AGO
    adults = make_licence(provider, kind=LicenceKind.HVB, ivo_reference=None, scope="Vuxna",
                          last_verified_at=old)
    youth = make_licence(provider, kind=LicenceKind.HVB, ivo_reference=None, scope="Ungdomar 16-20 år",
                         last_verified_at=old)
    housing = make_licence(provider, kind=LicenceKind.SUPPORTED_HOUSING, ivo_reference="3.5.1-30155/2022",
                           last_verified_at=old)
    db.session.commit()
    serve_robots(httpserver)
    for number in (2, 3):
        httpserver.expect_request(IVO_PATH, query_string=f"orgnr=5593000929&sida={number}").respond_with_data(
            ivo_page(f"both_columns_paged_{number}.html"), content_type="text/html")
    httpserver.expect_request(IVO_PATH, query_string="orgnr=559300-0929").respond_with_data(
        ivo_page("both_columns_paged_1.html"), content_type="text/html")
    sources.ivo(httpserver)
    response = client.post(f"/providers/{provider.id}/checks/run", data={"check_type": "ivo_register"})
    assert response.status_code == 302
    db.session.expire_all()
    [check] = db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.provider_id == provider.id))
    assert check.result is CheckOutcome.FAIL, check.summary
    assert len(check.details["pages"]) == 3
    statuses = {lic.id: (lic.status, lic.last_verified_at > old + timedelta(days=1))
                for lic in db.session.scalars(select(Licence).where(Licence.provider_id == provider.id))}
    assert statuses == {adults.id: (LicenceStatus.VALID, True), youth.id: (LicenceStatus.EXPIRED, True),
                        housing.id: (LicenceStatus.REVOKED, True)}
    assert check.details["licence_changes"] == {str(youth.id): ["valid", "expired"],
                                                str(housing.id): ["valid", "revoked"]}
