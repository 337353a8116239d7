"""Licence forms: roles, validation with input kept, stale edit (409), delete."""
from __future__ import annotations

import pytest

from tests.factories import make_licence, make_provider, make_user
from vendor_registry.audit.context import acting_as, user_actor
from vendor_registry.codes import LicenceStatus
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence


def _data(**kw):
    data = {"kind": "hvb", "form": "permit", "status": "valid", "ivo_reference": "IVO 8.5-1/2024",
            "granted_on": "2024-03-01", "ends_on": "", "scope": "Ungdomar 16–20"}
    data.update(kw)
    return data


@pytest.mark.parametrize("role", ["social_worker", "supervisor"])
def test_forbidden_for_roles_without_edit(client, as_role, db_session, role):
    provider = make_provider()
    licence = make_licence(provider)
    db_session.commit()
    as_role(role)
    base = f"/providers/{provider.id}/licences"
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/new", data=_data()).status_code == 403
    assert client.post(f"{base}/{licence.id}/edit", data=_data()).status_code == 403
    assert client.post(f"{base}/{licence.id}/delete", data={"version": licence.version}).status_code == 403


def test_create_with_verification(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/licences/new",
                           data=_data(verified="y", verification_method="certificate", evidence="Dnr 2024/55"))
    assert response.status_code == 302 and response.headers["Location"].endswith("#licences")
    licence = db.session.query(Licence).filter_by(provider_id=provider.id).one()
    assert licence.evidence == "Dnr 2024/55" and licence.last_verified_at is not None


def test_invalid_input_is_explained_and_kept(client, as_role, db_session):
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/licences/new",
                           data=_data(granted_on="2024-13-45", ends_on="2023-01-01", ivo_reference="MITT-DNR",
                                      verified="y", evidence=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ange datumet som ÅÅÅÅ-MM-DD" in html
    assert 'value="MITT-DNR"' in html and 'value="2024-13-45"' in html
    assert db.session.query(Licence).filter_by(provider_id=provider.id).count() == 0
    response = client.post(f"/providers/{provider.id}/licences/new", data=_data(ends_on="2024-01-01"))
    assert response.status_code == 422 and "Slutdatumet måste vara efter beslutsdatumet" in response.get_data(as_text=True)
    response = client.post(f"/providers/{provider.id}/licences/new", data=_data(verified="y"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Ange hur tillståndet verifierades" in html


def test_stale_edit_409_with_message_and_input_kept(client, as_role, db_session):
    provider = make_provider()
    licence = make_licence(provider, ivo_reference="GAMMAL")
    db_session.commit()
    seen = licence.version
    with acting_as(user_actor(make_user(email="annan@example.org"))):
        licence.status = LicenceStatus.REVOKED
        db_session.commit()
    as_role("admin")
    response = client.post(f"/providers/{provider.id}/licences/{licence.id}/edit",
                           data=_data(ivo_reference="MIN-ÄNDRING", version=seen))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="stale-warning"' in html and "annan@example.org" in html
    assert "<td>Gällande</td><td>Återkallat</td>" in html  # what changed, in Swedish
    assert 'value="MIN-ÄNDRING"' in html
    assert f'name="version" value="{licence.version}"' in html  # a second save can now succeed
    db.session.refresh(licence)
    assert licence.ivo_reference == "GAMMAL"


def test_edit_and_delete(client, as_role, db_session):
    provider = make_provider()
    licence = make_licence(provider)
    db_session.commit()
    as_role("procurement_officer")
    url = f"/providers/{provider.id}/licences/{licence.id}"
    assert client.get(f"{url}/edit").status_code == 200
    response = client.post(f"{url}/edit", data=_data(status="expired", version=licence.version))
    assert response.status_code == 302
    db.session.refresh(licence)
    assert licence.status == LicenceStatus.EXPIRED
    other = make_provider()
    db_session.commit()
    assert client.get(f"/providers/{other.id}/licences/{licence.id}/edit").status_code == 404
    assert client.post(f"{url}/delete", data={"version": licence.version}).status_code == 302
    assert db.session.get(Licence, licence.id) is None
