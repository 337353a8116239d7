"""Index for per-provider live-flag counts: (provider_id, status, severity) covers the grouped
count of a page's providers, which otherwise walks every live flag (issue 15).

Revision ID: 0007_perf
Revises: 0006_dashboard
"""
from alembic import op

revision = "0007_perf"
down_revision = "0006_dashboard"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_flags_provider_status_severity", "flags", ["provider_id", "status", "severity"])


def downgrade():
    op.drop_index("ix_flags_provider_status_severity", table_name="flags")
