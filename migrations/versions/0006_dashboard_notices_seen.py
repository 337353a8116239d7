"""Per-user "notices seen" marker: what is new on the notices page starts after it.

Revision ID: 0006_dashboard
Revises: 0005_sqlitejobs
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_dashboard"
down_revision = "0005_sqlitejobs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("notices_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("notices_seen_at")
