"""Provider register/edit forms: roles, validation and the stale-edit message (409)."""
from __future__ import annotations

import pytest

from tests.factories import make_provider, make_user
from vendor_registry.audit.context import acting_as, user_actor
from vendor_registry.extensions import db


def _form(provider, **overrides):
    data = {"org_number": provider.org_number, "name": provider.name, "kinds": provider.kinds,
            "ownership": provider.ownership.value, "county": provider.county, "version": provider.version}
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["social_worker", "supervisor"])
def test_roles_without_edit_permission_get_403(client, as_role, db_session, role):
    provider = make_provider()
    db_session.commit()
    as_role(role)
    assert client.get(f"/providers/{provider.id}/edit").status_code == 403
    assert client.post(f"/providers/{provider.id}/edit", data=_form(provider, name="X")).status_code == 403
    assert client.post("/providers/new", data={}).status_code == 403


def test_stale_edit_is_refused_with_who_what_and_input_kept(client, as_role, db_session):
    provider = make_provider(name="Före AB", municipality="Lund")
    db_session.commit()
    seen = provider.version
    other = make_user(role="procurement_officer", email="kollega@example.org")
    with acting_as(user_actor(other)):
        provider.municipality = "Malmö"
        db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/edit",
                           data=_form(provider, name="Mitt nya namn AB", version=seen))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="stale-warning"' in html and "kollega@example.org" in html
    assert "Lund" in html and "Malmö" in html  # what changed: before and now
    assert 'value="Mitt nya namn AB"' in html  # the user's input is kept
    db.session.refresh(provider)
    assert provider.name == "Före AB"


def test_edit_saves_and_validates(client, as_role, db_session):
    provider = make_provider(name="Spara AB")
    db_session.commit()
    as_role("procurement_officer")
    response = client.post(f"/providers/{provider.id}/edit", data=_form(provider, org_number="123"))
    assert response.status_code == 422 and "10 siffror" in response.get_data(as_text=True)
    response = client.post(f"/providers/{provider.id}/edit", data=_form(provider, name="Sparat AB"))
    assert response.status_code == 302
    db.session.refresh(provider)
    assert provider.name == "Sparat AB"
