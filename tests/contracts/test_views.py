"""Contract forms: roles, Swedish decimal comma, validation with input kept, stale edit (409)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import make_contract, make_provider, make_user
from vendor_registry.audit.context import acting_as, user_actor
from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db


def _data(**kw):
    data = {"kind": "direct_award", "reference": "DU-77", "starts_on": "2025-02-01", "ends_on": "2025-12-31",
            "price_per_day": "3 000,50", "scope": "Skyddat boende"}
    data.update(kw)
    return data


@pytest.mark.parametrize("role", ["social_worker", "supervisor"])
def test_forbidden_for_roles_without_edit(client, as_role, db_session, role):
    provider = make_provider()
    contract = make_contract(provider)
    db_session.commit()
    as_role(role)
    base = f"/providers/{provider.id}/contracts"
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/{contract.id}/edit", data=_data()).status_code == 403
    assert client.post(f"{base}/{contract.id}/delete", data={"version": contract.version}).status_code == 403


def test_create_with_decimal_comma(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/contracts/new", data=_data())
    assert response.status_code == 302
    contract = db.session.query(Contract).filter_by(provider_id=provider.id).one()
    assert contract.price_per_day == Decimal("3000.50") and contract.reference == "DU-77"
    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "3\u00a0000,5\u00a0kr" in html


def test_invalid_input_explained_and_kept(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/contracts/new",
                           data=_data(price_per_day="-5", ends_on="2024-01-01", reference="BEHÅLL-MIG"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Priset kan inte vara negativt" in html and "Slutdatumet måste vara efter startdatumet" in html
    assert 'value="BEHÅLL-MIG"' in html and 'value="-5"' in html
    response = client.post(f"/providers/{provider.id}/contracts/new", data=_data(price_per_day="mycket"))
    assert response.status_code == 422 and "till exempel 3 000,50" in response.get_data(as_text=True)
    response = client.post(f"/providers/{provider.id}/contracts/new", data=_data(starts_on=""))
    assert response.status_code == 422 and "Ange avtalets startdatum" in response.get_data(as_text=True)
    assert db.session.query(Contract).filter_by(provider_id=provider.id).count() == 0


def test_stale_edit_409(client, as_role, db_session):
    provider = make_provider()
    contract = make_contract(provider, reference="ORIGINAL")
    db_session.commit()
    seen = contract.version
    with acting_as(user_actor(make_user(email="inkop@example.org"))):
        contract.price_per_day = Decimal(4100)
        db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/contracts/{contract.id}/edit",
                           data=_data(reference="MIN-REF", version=seen))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="stale-warning"' in html and "inkop@example.org" in html and "4100" in html
    assert 'value="MIN-REF"' in html
    db.session.refresh(contract)
    assert contract.reference == "ORIGINAL"


def test_edit_shows_swedish_price_and_delete(client, as_role, db_session):
    provider = make_provider()
    contract = make_contract(provider, price_per_day=Decimal("2750.25"))
    db_session.commit()
    as_role("admin")
    url = f"/providers/{provider.id}/contracts/{contract.id}"
    assert 'value="2750,25"' in client.get(f"{url}/edit").get_data(as_text=True)
    assert client.post(f"{url}/delete", data={"version": contract.version - 1}).status_code == 303
    assert client.post(f"{url}/delete", data={"version": contract.version}).status_code == 302
    assert db.session.get(Contract, contract.id) is None
