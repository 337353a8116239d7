"""The audit log page and CLI: supervisors and admins read every change; others may not."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_provider
from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.audit.models import AuditEvent
from vendor_registry.database import utcnow


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_read_the_log(client, as_role, db_session, role):
    as_role(role)
    with acting_as(Actor("job", "job:licence_sweep")):
        provider = make_provider(name="Loggad Utförare AB")
        db_session.commit()
    body = client.get("/audit/?entity_type=providers&actor=licence_sweep").get_data(as_text=True)
    assert "Loggad Utförare AB" in body and "Schemalagt jobb: Genomgång av tillstånd" in body
    assert f"/providers/{provider.id}" in body


@pytest.mark.parametrize("role", ["procurement_officer", "social_worker"])
def test_others_may_not(client, as_role, role):
    as_role(role)
    assert client.get("/audit/").status_code == 403


def test_filters_by_action_and_date(client, as_role, db_session):
    as_role("supervisor")
    provider = make_provider(name="Först AB")
    db_session.commit()
    provider.name = "Sedan AB"
    db_session.commit()
    updates = client.get(f"/audit/?entity_type=providers&entity_id={provider.id}&action=update").get_data(as_text=True)
    assert "Sedan AB" in updates
    assert '<strong>Namn</strong>:\n        <span class="visually-hidden">från </span>Först AB' in updates
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    later = client.get(f"/audit/?entity_type=providers&date_from={tomorrow}").get_data(as_text=True)
    assert "Sedan AB" not in later
    assert client.get("/audit/?date_from=not-a-date&action=drop").status_code == 200


def test_cli_lists_events(app, db_session):
    with acting_as(Actor("system", "cli-test")):
        provider = make_provider(name="Kommandorad AB")
        db_session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "list", "--entity", "providers", "--id", str(provider.id)])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[0].split("\t")
    assert line[1:5] == ["cli-test", "insert", "providers", str(provider.id)]
    assert "Kommandorad AB" in line[5]
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.entity_id == str(provider.id))) is not None
