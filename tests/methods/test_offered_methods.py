"""Offered methods (ProviderMethod): services and forms, roles, uniqueness, stale edits."""
from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_method, make_provider, make_user
from tests.providers.factories import make_offered_method
from vendor_registry.audit.context import acting_as, user_actor
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.methods.models import ProviderMethod
from vendor_registry.methods.services import (
    add_offered_method,
    remove_offered_method,
    update_offered_method,
)


def test_add_update_remove(db_session):
    provider, method = make_provider(), make_method(name="Erbjuden metod A")
    offered = add_offered_method(provider, {"method_id": method.id, "trained_staff": 3,
                                            "certification_ends_on": date(2027, 6, 30), "notes": " "})
    assert offered.trained_staff == 3 and offered.notes is None
    with pytest.raises(ValidationFailed) as failed:
        add_offered_method(provider, {"method_id": method.id})
    assert "redan" in str(failed.value.errors["method_id"][0])
    seen = offered.version
    update_offered_method(offered, {"trained_staff": 5}, seen)
    with pytest.raises(StaleRecordError):
        update_offered_method(offered, {"trained_staff": 6}, seen)
    with pytest.raises(ValidationFailed):
        update_offered_method(offered, {"trained_staff": -1}, offered.version)
    remove_offered_method(offered, offered.version)
    assert db.session.get(ProviderMethod, offered.id) is None


def test_inactive_or_unknown_method_refused(db_session):
    provider = make_provider()
    retired = make_method(name="Pensionerad metod", active=False)
    for method_id in (retired.id, 0, None, 999999):
        with pytest.raises(ValidationFailed):
            add_offered_method(provider, {"method_id": method_id})


@pytest.mark.parametrize("role", ["social_worker", "supervisor"])
def test_forbidden_for_roles_without_edit(client, as_role, db_session, role):
    provider = make_provider()
    offered = make_offered_method(provider, make_method(name=f"Förbjuden metod {role}"))
    db_session.commit()
    as_role(role)
    base = f"/providers/{provider.id}/methods"
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/{offered.id}/edit", data={}).status_code == 403
    assert client.post(f"{base}/{offered.id}/delete", data={}).status_code == 403


def test_form_flow(client, as_role, db_session):
    provider, method = make_provider(), make_method(name="Formulärmetod")
    db_session.commit()
    as_role("procurement_officer")
    base = f"/providers/{provider.id}/methods"
    response = client.post(f"{base}/new", data={"method_id": method.id, "trained_staff": "tre",
                                                "certification_ends_on": "2027-02-30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ange ett heltal" in html and "Ange datumet som ÅÅÅÅ-MM-DD" in html and 'value="tre"' in html
    response = client.post(f"{base}/new", data={"method_id": method.id, "trained_staff": "4",
                                                "certification_ends_on": "2027-02-28"})
    assert response.status_code == 302
    offered = db.session.query(ProviderMethod).filter_by(provider_id=provider.id).one()
    assert offered.trained_staff == 4 and offered.certification_ends_on == date(2027, 2, 28)
    response = client.post(f"{base}/new", data={"method_id": method.id, "trained_staff": "1"})
    assert response.status_code == 422 and "erbjuder redan" in response.get_data(as_text=True)
    detail = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "Formulärmetod" in detail and "2027-02-28" in detail


def test_stale_edit_409(client, as_role, db_session):
    provider = make_provider()
    offered = make_offered_method(provider, make_method(name="Stale-metod"), trained_staff=2)
    db_session.commit()
    seen = offered.version
    with acting_as(user_actor(make_user(email="metod@example.org"))):
        offered.trained_staff = 9
        db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/methods/{offered.id}/edit",
                           data={"trained_staff": "3", "version": seen})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "metod@example.org" in html and 'value="3"' in html
    db.session.refresh(offered)
    assert offered.trained_staff == 9
