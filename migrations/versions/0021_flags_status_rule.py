"""Flags are indexed by (status, rule, severity) instead of (status, severity) (issue 15, found at scale).

Every sweep reads each rule's live flags (``flags.reconcile._live_flags``: ``rule = ? AND
status IN (…)``). No index led with both, so SQLite walked every live flag of every rule for
each of the fourteen rules (32 ms for the 74 flags of ``check_error`` among 158,000), 0.66 s a
sweep in all on ``sweep_bench``'s data; with the rule second it seeks to the rule's own
(0.33 s, most of it reading the big rules' rows). The counts by status (the queue, the
overview) read the new index as they read the old one, covering, so the old one goes rather
than adding a tenth index to every flag write.

Revision ID: 0021_flags_status_rule
Revises: 0020_rule_last_swept
"""
from alembic import op

revision = "0021_flags_status_rule"
down_revision = "0020_rule_last_swept"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_flags_status_rule_severity", "flags", ["status", "rule", "severity"])
    op.drop_index("ix_flags_status_severity", table_name="flags")


def downgrade():
    op.create_index("ix_flags_status_severity", "flags", ["status", "severity"])
    op.drop_index("ix_flags_status_rule_severity", table_name="flags")
