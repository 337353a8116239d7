"""Indexes for national scale (issue 15): (provider_id, status, severity) covers the grouped
live-flag count of a page's providers, which otherwise walks every live flag; the flag queue's
order (severity, raised_at, id) is read from ix_flags_queue_order on a computed severity_sort
column instead of sorting every live flag.

Revision ID: 0007_perf
Revises: 0006_dashboard
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_perf"
down_revision = "0006_dashboard"
branch_labels = None
depends_on = None

# As vendor_registry.flags.models.SEVERITY_SORT_SQL on the day of this migration (frozen here).
SEVERITY_SORT_SQL = "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 END"


def upgrade():
    op.create_index("ix_flags_provider_status_severity", "flags", ["provider_id", "status", "severity"])
    # SQLite cannot ADD a STORED generated column; the batch copies the table there.
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("flags", recreate=recreate) as batch:
        batch.add_column(sa.Column("severity_sort", sa.SmallInteger(), sa.Computed(SEVERITY_SORT_SQL, persisted=True)))
    op.create_index("ix_flags_queue_order", "flags", ["severity_sort", "raised_at", "id"])


def downgrade():
    op.drop_index("ix_flags_queue_order", table_name="flags")
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("flags", recreate=recreate) as batch:
        batch.drop_column("severity_sort")
    op.drop_index("ix_flags_provider_status_severity", table_name="flags")
