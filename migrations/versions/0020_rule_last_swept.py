"""Each flag rule remembers its last sweep over every provider (issue 15, found at scale).

A sweep used to write the "last seen" time of every flag of the rule that still held: 100,000
row updates a night for the national register's check flags, 6 s of the check sweep on
PostgreSQL (each update a new row version in ten indexes). Now the sweep writes
``flag_rule_states.last_swept_at`` once, and a live flag's "last seen" is the later of its own
time and its rule's last sweep (``Flag.last_seen``). A flag whose life ends keeps the value in
its own column. Existing flags keep their times: the new column starts empty.

Revision ID: 0020_rule_last_swept
Revises: 0019_checks_provider_type
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_rule_last_swept"
down_revision = "0019_checks_provider_type"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("flag_rule_states") as batch_op:
        batch_op.add_column(sa.Column("last_swept_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # The live flags' own times take the last sweep's before the column goes.
    op.execute(
        "UPDATE flags SET last_seen_at = (SELECT s.last_swept_at FROM flag_rule_states s WHERE s.rule = flags.rule) "
        "WHERE (status IN ('open', 'acknowledged') OR (status = 'dismissed' AND cleared_at IS NULL)) "
        "AND last_seen_at < (SELECT s.last_swept_at FROM flag_rule_states s WHERE s.rule = flags.rule)"
    )
    with op.batch_alter_table("flag_rule_states") as batch_op:
        batch_op.drop_column("last_swept_at")
