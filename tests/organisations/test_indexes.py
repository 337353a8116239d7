"""An own row about a provider is found through an index that holds the provider.

With a few organisations, ``organisation_id`` alone matches nearly every row; SQLite keeps no
statistics and, given the organisation index, took it over the provider index for "this
provider's contracts in my organisation" (the organisation filter adds the organisation to every
such statement): one provider page read the organisation's whole contracts, reviews and
decisions, and the contract rules took 31 s in ``demo-data --providers 20000``.
"""
import pytest
import sqlalchemy as sa

import vendor_registry.models  # noqa: F401  (every table in the metadata)
from vendor_registry.extensions import db
from vendor_registry.organisations.models import OwnedByOrganisation, SharedOrOwned

#: The tables the organisation filter narrows (audit events are read by provider or by
#: organisation, not both).
PROVIDER_TABLES = sorted(
    mapper.local_table.name for mapper in db.Model.registry.mappers
    if issubclass(mapper.class_, (OwnedByOrganisation, SharedOrOwned)) and "provider_id" in mapper.columns
)


def test_the_own_tables_about_providers_are_found():
    assert {"approval_events", "background_checks", "contracts", "evidence_documents", "flags",
            "provider_approvals", "review_actions", "reviews"} == set(PROVIDER_TABLES)


@pytest.fixture(scope="module")
def planner():
    """The models' schema in an empty SQLite database: the plan, not the data, is under test."""
    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.mark.parametrize("table", PROVIDER_TABLES)
def test_one_provider_in_one_organisation_is_looked_up_by_provider(planner, table):
    plan = " ".join(row[3] for row in planner.exec_driver_sql(
        f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE provider_id = ? AND organisation_id = ?", (5, 1)))
    assert "provider_id=?" in plan, plan
    assert f"ix_{table}_organisation_id " not in plan + " ", plan


@pytest.mark.parametrize("table", PROVIDER_TABLES)
def test_one_provider_in_the_organisation_or_shared_is_looked_up_by_provider(planner, table):
    """The organisation filter's form for rows that may be shared (``= own OR IS NULL``)."""
    plan = " ".join(row[3] for row in planner.exec_driver_sql(
        f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE provider_id = ? "
        "AND (organisation_id = ? OR organisation_id IS NULL)", (5, 1)))
    assert "provider_id=?" in plan, plan
