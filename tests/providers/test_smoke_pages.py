"""Every provider-screen page renders for every role that may see it (no template errors)."""
from __future__ import annotations

import pytest

from tests.factories import (
    make_contract,
    make_licence,
    make_method,
    make_provider,
    make_review,
)
from tests.providers.factories import make_all_checks, make_flag, make_offered_method


@pytest.mark.parametrize("role", ["admin", "procurement_officer", "supervisor", "social_worker"])
def test_pages_render(client, as_role, db_session, role):
    provider = make_provider(name="Rendera AB")
    licence = make_licence(provider)
    contract = make_contract(provider)
    offered = make_offered_method(provider, make_method(name="Testmetod Alfa"))
    make_review(provider)
    make_flag(provider)
    make_all_checks(provider)
    db_session.commit()
    as_role(role)
    for url in ["/providers/", f"/providers/{provider.id}", f"/providers/{provider.id}/print",
                "/providers/export.csv", "/providers/export.xlsx"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[-3000:])
    editor = role in ("admin", "procurement_officer")
    for url in [f"/providers/{provider.id}/licences/new", f"/providers/{provider.id}/licences/{licence.id}/edit",
                f"/providers/{provider.id}/contracts/new", f"/providers/{provider.id}/contracts/{contract.id}/edit",
                f"/providers/{provider.id}/methods/new", f"/providers/{provider.id}/methods/{offered.id}/edit",
                f"/providers/{provider.id}/edit", "/providers/new"]:
        response = client.get(url)
        assert response.status_code == (200 if editor else 403), (url, response.get_data(as_text=True)[-3000:])
