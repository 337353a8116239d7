"""Indexes for the list pages at national scale (issue 15, second pass): the navigation badge
on every page counts a person's assigned live flags (assignee_id, status) and the urgent live
flags (severity, status, rule, raised_at, escalated_at) from an index alone; the provider
list's "updated" and "county" sorts read a page from an index instead of sorting every provider.

Revision ID: 0012_pages15
Revises: 0011_organisations
"""
from alembic import op

revision = "0012_pages15"
down_revision = "0011_organisations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_flags_assignee_status", "flags", ["assignee_id", "status"])
    op.create_index("ix_flags_urgent", "flags", ["severity", "status", "rule", "raised_at", "escalated_at"])
    op.create_index("ix_providers_updated_at_id", "providers", ["updated_at", "id"])
    op.create_index("ix_providers_county_name_id", "providers", ["county", "name", "id"])


def downgrade():
    op.drop_index("ix_providers_county_name_id", table_name="providers")
    op.drop_index("ix_providers_updated_at_id", table_name="providers")
    op.drop_index("ix_flags_urgent", table_name="flags")
    op.drop_index("ix_flags_assignee_status", table_name="flags")
