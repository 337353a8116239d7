"""users.sign_in_unlocked_at: when an admin last lifted a sign-in lock (auth/throttle.py), and
one index for the lock's count of an address's recent failures.

Revision ID: 0010_signin
Revises: 0009_oidc
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_signin"
down_revision = "0009_oidc"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sign_in_unlocked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_sign_ins_email_occurred_at", "sign_ins", ["email", "occurred_at"])


def downgrade():
    op.drop_index("ix_sign_ins_email_occurred_at", table_name="sign_ins")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sign_in_unlocked_at")
