"""Manual checks (form), the provider's check page, and the due-check query."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from checks.base import CheckResult, CheckStatus
from tests.factories import make_check, make_licence, make_provider
from vendor_registry import clock
from vendor_registry.background_checks import queries, services
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.background_checks.runner import run_due_checks
from vendor_registry.codes import CheckOutcome, CheckType, LicenceStatus
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence

PDF = b"%PDF-1.4\n%%EOF\n"


def _count(model=BackgroundCheck) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def provider(db_session):
    provider = make_provider(kinds=["hvb", "outpatient"])
    db_session.commit()
    return provider


def test_record_manual_check_with_document_and_policy_due_date(client, as_role, provider, evidence_dir):
    user = as_role("supervisor")
    today = clock.today()
    response = client.post(f"/providers/{provider.id}/checks/new", data={
        "check_type": "tax_registration", "performed_on": today.isoformat(), "result": "concern",
        "summary": "Skatteskuld 12 000 kr enligt leverantörskontroll.", "evidence": "Skatteverket 2026-11-20",
        "document": (io.BytesIO(PDF), "skv.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    check = db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.provider_id == provider.id)).one()
    assert check.result is CheckOutcome.CONCERN and check.automatic is False
    assert check.performed_by_id == user.id
    assert check.next_due_on == today + timedelta(days=180)  # tax_registration policy interval
    assert check.evidence_document.content_type == "application/pdf"
    page = client.get(f"/providers/{provider.id}/checks").get_data(as_text=True)
    assert "Skatteskuld 12 000 kr" in page
    assert f"/evidence/{check.evidence_document_id}" in page


def test_bad_manual_check_keeps_input_and_saves_nothing(client, as_role, provider, evidence_dir):
    as_role("procurement_officer")
    before, documents = _count(), _count(EvidenceDocument)
    future = (clock.today() + timedelta(days=3)).isoformat()
    response = client.post(f"/providers/{provider.id}/checks/new", data={
        "check_type": "ivo_register", "performed_on": future, "result": "pass",
        "summary": "Min sammanfattning", "document": (io.BytesIO(PDF), "x.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Min sammanfattning" in html
    assert 'id="error-summary"' in html
    assert _count() == before and _count(EvidenceDocument) == documents
    assert not evidence_dir.exists() or not [p for p in evidence_dir.rglob("*") if p.is_file()]


def test_service_refuses_future_dates_and_automatic_types(db_session, provider):
    with pytest.raises(services.ValidationFailed) as info:
        services.record_manual_check(provider, {"check_type": "company_registry", "result": "error",
                                                "performed_on": date.today() + timedelta(days=5), "summary": ""})
    assert set(info.value.errors) == {"check_type", "result", "performed_on", "summary"}


def test_provider_page_shows_not_configured_and_history(client, as_role, provider, sources):
    as_role("procurement_officer")
    make_check(provider, check_type=CheckType.INSURANCE, summary="Försäkringsbrev gäller till 2027.",
               next_due_on=date.today() + timedelta(days=200))
    db.session.commit()
    html = client.get(f"/providers/{provider.id}/checks").get_data(as_text=True)
    assert "Inte konfigurerad" in html
    assert "Försäkringsbrev gäller till 2027." in html
    assert "<th scope=\"row\">" in html


def test_error_result_never_touches_licences(db_session, provider, evidence_dir):
    licence = make_licence(provider, kind="hvb", status=LicenceStatus.VALID)
    verified = licence.last_verified_at
    # A checker cannot smuggle licence statuses through an error (CheckResult.error drops them),
    # and even a hand-made error result with them is ignored by the app.
    forged = CheckResult(CheckStatus.ERROR, "Källan svarade inte.", {"licences": {str(licence.id): "revoked"}},
                         None, CheckResult.make("ivo_register", CheckStatus.ERROR, "x").fetched_at, "ivo_register")
    check = services.record_check_result(provider, forged, automatic=True)
    db.session.expire_all()
    assert db.session.get(Licence, licence.id).status is LicenceStatus.VALID
    assert db.session.get(Licence, licence.id).last_verified_at == verified
    assert check.result is CheckOutcome.ERROR
    assert check.next_due_on == clock.today(check.performed_at) + timedelta(days=1)


def test_next_due_uses_shortest_interval_among_kinds(db_session, provider):
    from vendor_registry.background_checks.models import CheckPolicy

    policy = db.session.scalars(select(CheckPolicy).where(CheckPolicy.provider_kind == "outpatient",
                                                           CheckPolicy.check_type == "company_registry")).one()
    policy.interval_days = 10
    db.session.flush()
    assert queries.interval_days(provider.kinds, CheckType.COMPANY_REGISTRY) == 10
    assert queries.interval_days(["other"], CheckType.STAFF_RECORDS) == 365  # no policy row: default


class _FakeChecker:
    """Stands in for a source (not for our code): answers pass for everyone."""

    check_type = "company_registry"

    def __init__(self):
        self.asked = []

    def check(self, subject):
        self.asked.append(subject.org_number)
        return CheckResult.make("company_registry", CheckStatus.PASS, "Registrerad.")


def test_due_query_is_set_based_and_run_due_respects_limit(db_session, statement_counter, evidence_dir):
    def make_many(n):
        for _ in range(n):
            make_provider(kinds=["outpatient"])
    make_many(3)
    gone = make_provider(kinds=["outpatient"], status="inactive")
    recent = make_provider(kinds=["outpatient"])
    make_check(recent, check_type=CheckType.COMPANY_REGISTRY, next_due_on=date.today() + timedelta(days=30))
    db.session.commit()
    with statement_counter() as few:
        due = queries.due_automatic_checks([CheckType.COMPANY_REGISTRY])
    make_many(20)
    db.session.commit()
    with statement_counter() as many:
        due_many = queries.due_automatic_checks([CheckType.COMPANY_REGISTRY])
    assert len(few) == len(many)
    ids = {p.id for p, _ in due_many}
    assert gone.id not in ids and recent.id not in ids
    assert len(due_many) == len(due) + 20

    checker = _FakeChecker()
    counts = run_due_checks(limit=5, checkers={CheckType.COMPANY_REGISTRY: checker})
    assert counts["run"] == 5 and counts["pass"] == 5
    counts = run_due_checks(checkers={CheckType.COMPANY_REGISTRY: checker})
    assert counts["run"] == len(due_many) - 5
    assert len(checker.asked) == len(set(checker.asked)) == len(due_many)
    assert run_due_checks(checkers={CheckType.COMPANY_REGISTRY: checker})["run"] == 0


def test_provider_page_has_run_now_button_for_recorders_only(client, as_role, provider):
    as_role("procurement_officer")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert f"/providers/{provider.id}/checks/run" in html
    assert "Kör kontroll nu" in html
    client.post("/logout")
    as_role("social_worker")
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "/checks/run" not in html and f"/providers/{provider.id}/checks\"" not in html


def test_control_characters_in_an_outside_answer_are_stored_without_them(db_session, provider, client, as_role):
    """A source's answer cannot be refused back to it: a NUL or ESC in a register's text is left
    out when the check is stored (on PostgreSQL a NUL made the whole save fail) and the page and
    export show the rest."""
    answer = CheckResult.make("company_registry", CheckStatus.PASS, "Aktivt\x00 bolag\x1b[31m, F-skatt\x7f",
                              details={"namn\x00": "Bolaget\x00 AB", "rader": ["a\x1bb", 3]})
    check = services.record_check_result(provider, answer, automatic=True)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(BackgroundCheck, check.id)
    assert kept.summary == "Aktivt bolag[31m, F-skatt"
    assert kept.details == {"namn": "Bolaget AB", "rader": ["ab", 3]}
    as_role("admin")
    page = client.get(f"/providers/{provider.id}/checks")
    assert page.status_code == 200 and "Aktivt bolag[31m, F-skatt" in page.get_data(as_text=True)
