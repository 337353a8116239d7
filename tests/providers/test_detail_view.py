"""The provider page: sections and their anchors, role-dependent content, status-change forms."""
from __future__ import annotations

from datetime import date, timedelta

from tests.factories import (
    make_check,
    make_contract,
    make_licence,
    make_method,
    make_provider,
    make_review,
)
from tests.providers.factories import make_flag, make_offered_method
from vendor_registry.codes import CheckOutcome, CheckType, FlagSeverity, ProviderStatus
from vendor_registry.extensions import db
from vendor_registry.providers.models import ApprovalEvent

SECTIONS = ["overview", "licences", "methods", "areas", "contracts", "checks", "reviews", "flags", "approval"]


def _full_provider():
    provider = make_provider(name="Sektion AB", kinds=["outpatient"])
    make_licence(provider, ivo_reference="IVO 3.5.1-777/2025", evidence="https://example.org/ivo/777",
                 verification_method="manual")
    make_offered_method(provider, make_method(name="Sektionsmetod"), trained_staff=7,
                        certification_ends_on=date(2027, 1, 31))
    make_contract(provider, reference="AVT-SEKTION-1")
    make_check(provider, check_type=CheckType.TAX_REGISTRATION, summary="Hemlig skatteuppgift",
               result=CheckOutcome.CONCERN)
    make_review(provider, summary="Bra samarbete", rating_safety=4)
    make_flag(provider, message="Kritisk sektionsflagga")
    return provider


def test_sections_with_anchors_and_table_of_contents(client, as_role, db_session):
    provider = _full_provider()
    db_session.commit()
    as_role("procurement_officer")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    for anchor in SECTIONS:
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
        assert f'aria-labelledby="{anchor}-heading"' in html
    for text in ("IVO 3.5.1-777/2025", "Manuellt", "https://example.org/ivo/777", "Sektionsmetod",
                 "2027-01-31", "AVT-SEKTION-1", "Bra samarbete", "4 av 5", "Kritisk sektionsflagga",
                 "Hemlig skatteuppgift", "Nästa kontroll per typ"):
        assert text in html, text
    assert 'id="audit"' not in html  # procurement officers do not read the audit log


def test_social_worker_sees_checks_current_only(client, as_role, db_session):
    provider = _full_provider()
    db_session.commit()
    as_role("social_worker")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Kontroller aktuella:" in html and '<strong id="checks-current">nej</strong>' in html
    for secret in ("Hemlig skatteuppgift", "Nästa kontroll per typ", 'id="check-history"', "F-skatt och skatteskulder",
                   "Anmärkning"):
        assert secret not in html, secret
    assert "Redigera" not in html and 'id="audit"' not in html
    assert "transition-" not in html  # no status-change forms
    printed = client.get(f"/providers/{provider.id}/print").get_data(as_text=True)
    assert "Hemlig skatteuppgift" not in printed and "Kontroller aktuella:" in printed


def test_supervisor_sees_audit_trail_and_transition_forms(client, as_role, db_session):
    provider = make_provider(name="Granskas AB", status=ProviderStatus.UNDER_REVIEW)
    db_session.commit()
    as_role("supervisor")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert 'id="audit"' in html and 'href="#audit"' in html and "Skapad" in html
    for name in ("approve", "approve_conditionally", "reject", "deactivate"):
        assert f'id="transition-{name}"' in html
    assert 'id="transition-suspend"' not in html


def test_print_view_has_every_section_and_no_forms(client, as_role, db_session):
    provider = _full_provider()
    db_session.commit()
    as_role("supervisor")
    html = client.get(f"/providers/{provider.id}/print").get_data(as_text=True)
    assert 'href="/static/print.css"' in html  # the print rules are a file (no inline style under the CSP)
    assert "@media print" in client.get("/static/print.css").get_data(as_text=True)
    for anchor in SECTIONS + ["audit"]:
        assert f'id="{anchor}"' in html
    assert "<form" not in html and "Hemlig skatteuppgift" in html


def test_section_queries_do_not_grow_with_rows(client, as_role, db_session, statement_counter):
    provider = _full_provider()
    db_session.commit()
    as_role("supervisor")

    def count():
        with statement_counter() as statements:
            assert client.get(f"/providers/{provider.id}").status_code == 200
        return len([s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))])

    count()  # warm-up: the first request loads what the test's session has not yet seen
    before = count()
    for n in range(15):
        make_licence(provider)
        make_contract(provider)
        make_offered_method(provider, make_method(name=f"Sektionsmetod {n}"))
        make_review(provider, performed_on=date.today() - timedelta(days=n))
        make_check(provider, check_type=CheckType.INSURANCE)
        make_flag(provider, severity=FlagSeverity.LOW)
    db_session.commit()
    assert count() == before


def test_review_link_only_when_endpoint_exists(client, as_role, db_session, app):
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert ("Registrera uppföljning" in html) == ("reviews.create" in app.view_functions)


class TestStatusChangeViews:
    def test_supervisor_approves(self, client, as_role, db_session):
        provider = make_provider(status=ProviderStatus.UNDER_REVIEW)
        db_session.commit()
        user = as_role("supervisor")
        response = client.post(f"/providers/{provider.id}/status/approve",
                               data={"version": provider.version, "reason": "Allt i ordning"})
        assert response.status_code == 302
        db.session.refresh(provider)
        assert provider.status == ProviderStatus.APPROVED
        event = db.session.query(ApprovalEvent).filter_by(provider_id=provider.id).one()
        assert event.actor_id == user.id and event.reason == "Allt i ordning"

    def test_procurement_officer_cannot_approve(self, client, as_role, db_session):
        provider = make_provider(status=ProviderStatus.UNDER_REVIEW)
        db_session.commit()
        as_role("procurement_officer")
        response = client.post(f"/providers/{provider.id}/status/approve", data={"version": provider.version})
        assert response.status_code == 403
        db.session.refresh(provider)
        assert provider.status == ProviderStatus.UNDER_REVIEW

    def test_social_worker_gets_403(self, client, as_role, db_session):
        provider = make_provider(status=ProviderStatus.UNDER_REVIEW)
        db_session.commit()
        as_role("social_worker")
        assert client.post(f"/providers/{provider.id}/status/approve", data={}).status_code == 403

    def test_override_refused_keeps_input_then_accepted(self, client, as_role, db_session):
        provider = make_provider(status=ProviderStatus.SUSPENDED)
        make_flag(provider)
        db_session.commit()
        as_role("supervisor")
        url = f"/providers/{provider.id}/status/reinstate"
        response = client.post(url, data={"version": provider.version, "reason": "Mitt skäl"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Skriv en motivering" in html and "Mitt skäl</textarea>" in html
        response = client.post(url, data={"version": provider.version, "reason": "Mitt skäl",
                                          "override_justification": "Akut behov, beslut av nämnd"})
        assert response.status_code == 302
        event = db.session.query(ApprovalEvent).filter_by(provider_id=provider.id).one()
        assert event.override_justification == "Akut behov, beslut av nämnd"

    def test_invalid_transition_shows_swedish_message(self, client, as_role, db_session):
        provider = make_provider(status=ProviderStatus.DRAFT)
        db_session.commit()
        as_role("supervisor")
        response = client.post(f"/providers/{provider.id}/status/reinstate",
                               data={"version": provider.version, "reason": "x"})
        assert response.status_code == 422
        assert 'id="transition-error"' in response.get_data(as_text=True)
        assert "kan inte ändras från Utkast till Godkänd" in response.get_data(as_text=True)
        assert client.post(f"/providers/{provider.id}/status/promote", data={}).status_code == 404

    def test_bad_date_and_stale_version(self, client, as_role, db_session):
        provider = make_provider(status=ProviderStatus.UNDER_REVIEW)
        db_session.commit()
        as_role("supervisor")
        response = client.post(f"/providers/{provider.id}/status/approve_conditionally",
                               data={"version": provider.version, "conditions": "Villkor", "conditions_until": "imorgon"})
        assert response.status_code == 422 and "ÅÅÅÅ-MM-DD" in response.get_data(as_text=True)
        response = client.post(f"/providers/{provider.id}/status/approve", data={"version": provider.version - 1})
        assert response.status_code == 409
        assert 'id="transition-stale"' in response.get_data(as_text=True)


def test_open_flags_link_to_the_flag_page_for_flag_handlers_only(client, as_role, db_session, app):
    provider = make_provider()
    flag = make_flag(provider, message="Länkad flagga")
    db_session.commit()
    as_role("supervisor")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Länkad flagga" in html
    assert (f'href="/flags/{flag.id}"' in html) == ("flags.detail" in app.view_functions)
    client.post("/logout")
    as_role("social_worker")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Länkad flagga" in html and f'href="/flags/{flag.id}"' not in html
