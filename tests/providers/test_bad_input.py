"""Bad or hostile URL input never becomes a 500 or a wildcard search."""
from __future__ import annotations

import pytest

from tests.factories import make_provider
from vendor_registry.extensions import db
from vendor_registry.standing.listing import ProviderFilters, provider_query


@pytest.mark.parametrize("query", ["status=bogus", "ownership=bogus", "kind=%25", "county=99", "method=abc",
                                   "page=-3", "page=x", "min_threat=zzz", "q=%00", "kind=h%00vb", "service_area=%00", "sort=;drop", "critical_flag=2"])
def test_bad_url_values_are_not_errors(client, as_role, db_session, query):
    as_role("social_worker")
    assert client.get(f"/providers/?{query}").status_code == 200
    assert client.get(f"/providers/export.csv?{query}").status_code == 200


def test_codes_are_matched_literally(db_session):
    provider = make_provider(name="Wildcard AB", kinds=["hvb"], target_groups=["youth_16_20"])

    def found(filters: ProviderFilters) -> bool:
        return provider in set(db.session.scalars(provider_query(filters)))

    assert found(ProviderFilters(target_groups=["youth_16_20"]))
    assert not found(ProviderFilters(target_groups=["youth%"]))
    assert not found(ProviderFilters(kinds=["%"])) and not found(ProviderFilters(kinds=["h_b"]))
    assert not found(ProviderFilters(statuses=["bogus"])) and not found(ProviderFilters(min_threat_level="x"))
