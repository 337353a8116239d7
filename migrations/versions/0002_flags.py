"""Per-rule first-run state for the flag sweeps (no notice flood when a rule is introduced).

Revision ID: 0002_flags
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_flags"
down_revision = "0001"
branch_labels = None
depends_on = None

RULES = (
    "licence_missing", "licence_lapsed", "licence_expiring", "licence_unverified", "licence_mismatch",
    "check_overdue", "check_failed", "check_error", "review_missing", "review_overdue",
    "review_actions_overdue", "certification_expired", "contract_expiring", "contract_expired",
)


def upgrade():
    op.create_table(
        "flag_rule_states",
        sa.Column("rule", sa.Enum(*RULES, name="flagrule", native_enum=False, length=40), nullable=False),
        sa.Column("first_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule", name=op.f("pk_flag_rule_states")),
    )


def downgrade():
    op.drop_table("flag_rule_states")
