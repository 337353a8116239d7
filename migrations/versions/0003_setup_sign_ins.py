"""The sign-in log: every login attempt (who, when, from which address, outcome), apart from
the audit log of record changes.

Revision ID: 0003_setup
Revises: 0002_flags
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_setup"
down_revision = "0002_flags"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
    )
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_ins_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_ins_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_ins_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_ins_user_id"))
        batch_op.drop_index(batch_op.f("ix_sign_ins_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_sign_ins_email"))
    op.drop_table("sign_ins")
