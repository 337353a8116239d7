"""The audit log reads like a record: names, Swedish labels, Stockholm time to the second,
filters by provider, person, kind of change and period, a CSV export, and the same rows on the
provider page — with a number of statements that does not grow with the number of events."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.factories import (
    make_contract,
    make_licence,
    make_method,
    make_provider,
    make_user,
)
from vendor_registry import clock
from vendor_registry.audit.context import Actor, acting_as, user_actor
from vendor_registry.audit.labels import ENTITY_LABELS, FIELD_LABELS
from vendor_registry.audit.listener import NOT_AUDITED, SKIPPED_FIELDS
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import ProviderStatus
from vendor_registry.database import Base
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.providers.models import ApprovalEvent

CODES_NOT_SHOWN = ["override_justification", "under_review", "approved", "provider_methods", "licences ",
                   "providers ", "protected_housing", "job:"]


def _story(db_session, name="Läsbar Omsorg AB"):
    """A provider approved over a critical flag by a named supervisor, with child records."""
    chef = make_user(role="supervisor", name="Karin Chef", email=f"karin.{re.sub(r'[^a-zåäö0-9]', '', name.lower())}@kommun.example.org")
    db_session.commit()
    with acting_as(user_actor(chef)):
        provider = make_provider(name=name, status=ProviderStatus.UNDER_REVIEW)
        licence = make_licence(provider, ivo_reference="IVO 3.5.1-4711/2025")
        method = make_method(name=f"Återfallsprevention för {name}")
        db_session.add(ProviderMethod(provider_id=provider.id, method_id=method.id, trained_staff=3))
        contract = make_contract(provider, reference="RAM-2026-01")
        db_session.commit()
        provider.status = ProviderStatus.APPROVED
        db_session.add(ApprovalEvent(provider_id=provider.id, from_status=ProviderStatus.UNDER_REVIEW,
                                     to_status=ProviderStatus.APPROVED, actor_id=chef.id, actor_label=chef.email,
                                     override_justification="Tillståndet förnyas, beslut finns."))
        db_session.delete(contract)
        db_session.commit()
    with acting_as(Actor("job", "job:licence_sweep")):
        licence.notes = "Kontrollerad mot IVO"
        db_session.commit()
    return chef, provider


def _table(body: str) -> str:
    return body[body.index('id="audit-table"'):body.index("</table>", body.index('id="audit-table"'))]


def test_the_log_page_shows_names_labels_and_stockholm_time(client, as_role, db_session):
    _chef, provider = _story(db_session)
    as_role("supervisor")
    table = _table(client.get(f"/audit/?provider_id={provider.id}").get_data(as_text=True))
    orgnr = f"{provider.org_number[:6]}-{provider.org_number[6:]}"
    assert f"Läsbar Omsorg AB ({orgnr})" in table
    assert "Karin Chef (karin.läsbaromsorgab@kommun.example.org)" in table
    assert "Schemalagt jobb: Genomgång av tillstånd" in table
    assert "Godkännandestatus" in table and "Under granskning" in table and "Godkänd" in table
    assert "Motivering trots kritisk avvikelse" in table and "Tillståndet förnyas, beslut finns." in table
    assert "Skyddat boende, Tillstånd, IVO 3.5.1-4711/2025" in table  # the licence by its name
    assert "Återfallsprevention för Läsbar Omsorg AB" in table  # the offered method by the method's name
    assert "RAM-2026-01" in table and "Borttagen" in table  # a deleted contract keeps its name
    for code in CODES_NOT_SHOWN:
        assert code not in table, code
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.provider_id == provider.id)).first()
    shown = event.occurred_at.astimezone(clock.STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S")
    assert f">{shown}</time>" in table
    assert re.findall(r">(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)</time>", table)  # seconds, no microseconds
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", table)


def test_filters_by_provider_person_kind_and_period(client, as_role, db_session):
    _chef, provider = _story(db_session)
    _other_chef, other = _story(db_session, name="Annan Omsorg AB")
    as_role("admin")

    def count(query: str) -> int:
        body = client.get(f"/audit/?{query}").get_data(as_text=True)
        return int(re.search(r"(\d+) händelser", body).group(1))

    mine = count(f"provider={provider.org_number[:6]}-{provider.org_number[6:]}")
    assert mine == count("provider=Läsbar") == count(f"provider_id={provider.id}") > 0
    assert count("provider=Annan") == count(f"provider_id={other.id}")
    assert count("actor=Karin Chef&provider=Läsbar") == mine - 1  # all but the sweep's change
    assert count("actor=licence_sweep&provider=Läsbar") == 1
    assert count("entity_type=contracts&action=delete&provider=Läsbar") == 1
    today = clock.today().isoformat()
    assert count(f"date_from={today}&date_to={today}&provider=Läsbar") == mine
    assert count("date_to=2020-01-01&provider=Läsbar") == 0
    page = client.get("/audit/").get_data(as_text=True)
    assert '<option value="provider_methods" >Erbjuden metod</option>' in page


def test_supervisors_export_the_filtered_log_as_csv(client, as_role, db_session):
    _story(db_session, name="=HYPERLINK(\"x\") AB")
    _story(db_session, name="Exporteras inte AB")
    as_role("supervisor")
    response = client.get("/audit/export.csv?provider=HYPERLINK")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Tidpunkt", "Utförd av", "Åtgärd", "Typ av post", "Post", "Utförare", "Fält", "Före", "Efter"]
    status = [r for r in rows if r[6] == "Godkännandestatus" and r[2] == "Ändrad"]
    assert status and status[0][7:] == ["Under granskning", "Godkänd"]
    assert all(r[5].startswith("'=HYPERLINK") for r in rows[1:])  # formula neutralised, one provider only
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[0]) for r in rows[1:])
    assert not any("Exporteras inte" in cell for r in rows for cell in r)


def test_the_provider_page_uses_the_same_presentation(client, as_role, db_session):
    _chef, provider = _story(db_session)
    as_role("supervisor")
    body = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    section = body[body.index('id="audit-heading"'):]
    section = section[:section.index("</section>")]
    assert "Godkännandestatus" in section and "Under granskning" in section
    assert "Karin Chef (karin.läsbaromsorgab@kommun.example.org)" in section
    assert "Skyddat boende, Tillstånd, IVO 3.5.1-4711/2025" in section
    assert f"/audit/?provider_id={provider.id}" in section
    for code in CODES_NOT_SHOWN:
        assert code not in section, code


def _statements_for(client, statement_counter, url: str) -> int:
    client.get(url)  # the first request after the test's commits reloads what they expired
    with statement_counter() as statements:
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()  # a streamed export runs its queries while the body is read
    return len(statements)


@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv"])
def test_names_are_resolved_set_based(client, as_role, db_session, statement_counter, url):
    as_role("supervisor")
    _story(db_session, name="Först Omsorg AB")
    few = _statements_for(client, statement_counter, url)
    for n in range(6):
        _story(db_session, name=f"Fler Omsorg {n} AB")
    many = _statements_for(client, statement_counter, url)
    assert few == many, (few, many)


def test_the_provider_page_resolves_names_set_based(client, as_role, db_session, statement_counter):
    as_role("supervisor")
    _chef, provider = _story(db_session)
    url = f"/providers/{provider.id}"
    few = _statements_for(client, statement_counter, url)
    with acting_as(Actor("job", "job:licence_sweep")):
        for n in range(8):
            make_licence(provider, ivo_reference=f"IVO 9-{n}")
            db_session.commit()
    many = _statements_for(client, statement_counter, url)
    assert few == many, (few, many)


def test_every_audited_column_has_a_swedish_label():
    missing = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table.name
        if table in NOT_AUDITED:
            continue
        if table not in ENTITY_LABELS:
            missing.append(table)
        missing += [f"{table}.{p.key}" for p in mapper.column_attrs
                    if p.key not in SKIPPED_FIELDS and p.key not in FIELD_LABELS]
    assert missing == []


def test_times_are_stockholm_time_to_the_second():
    from vendor_registry.audit.presentation import format_moment

    assert format_moment(datetime(2026, 12, 1, 23, 30, 5, 123456, tzinfo=UTC)) == "2026-12-02 00:30:05"
    assert format_moment("2026-06-30T22:30:05.999+00:00") == "2026-07-01 00:30:05"


def test_a_flag_names_its_subject(app, client, as_role, db_session):
    from vendor_registry.codes import LicenceStatus

    _chef, provider = _story(db_session)
    make_licence(provider, ivo_reference="IVO 3.5.1-9999/2024", status=LicenceStatus.REVOKED)
    db_session.commit()
    assert app.test_cli_runner().invoke(args=["jobs", "run", "licence_sweep"]).exit_code == 0
    as_role("supervisor")
    table = _table(client.get(f"/audit/?provider_id={provider.id}&entity_type=flags").get_data(as_text=True))
    assert "Tillstånd har upphört" in table and "Kritisk" in table
    assert "<strong>Gäller</strong>:\n        Tillstånd: Skyddat boende, Tillstånd, IVO 3.5.1-9999/2024" in table
    assert "licence:" not in table
