"""Own rows about a provider are indexed by (organisation, provider) (issue 15, found at scale).

Issue 14 gave every own table an index on ``organisation_id`` alone. With a few organisations
that index matches almost every row, but SQLite keeps no statistics and took it over the
provider index for "this provider's contracts in my organisation": the provider page and the
contract rules read the organisation's whole table for one provider (``flask demo-data
--providers 20000`` spent 31 s in the contract-expired rule). One index on both columns
replaces the organisation index on the own and shared-or-own tables that have a provider
column (audit events keep theirs: they are read by provider or by organisation, never both); it serves the
organisation-only lookups too (its first column). provider_approvals already has the unique
(organisation_id, provider_id) constraint.

Revision ID: 0017_orgprovider
Revises: 0016_isolation14
"""
from alembic import op

revision = "0017_orgprovider"
down_revision = "0016_isolation14"
branch_labels = None
depends_on = None

TABLES = ("approval_events", "background_checks", "contracts", "evidence_documents", "flags", "reviews",
          "review_actions")


def upgrade():
    for table in TABLES:
        op.create_index(f"ix_{table}_organisation_provider", table, ["organisation_id", "provider_id"])
        op.drop_index(f"ix_{table}_organisation_id", table_name=table)
    op.drop_index("ix_provider_approvals_organisation_id", table_name="provider_approvals")


def downgrade():
    op.create_index("ix_provider_approvals_organisation_id", "provider_approvals", ["organisation_id"])
    for table in TABLES:
        op.create_index(f"ix_{table}_organisation_id", table, ["organisation_id"])
        op.drop_index(f"ix_{table}_organisation_provider", table_name=table)
