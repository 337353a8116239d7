"""API tokens belong to their owner's organisation (issue 14).

A token acts within its user's organisation; with the organisation on the row, the token list,
its revocation and the audit events of a token are that organisation's own like every other
own record (and PostgreSQL's row-level security can hold the same line). Existing tokens get
their owner's organisation.

Revision ID: 0100_isolation14
Revises: 0011_organisations
"""
import sqlalchemy as sa
from alembic import op

revision = "0100_isolation14"
down_revision = "0011_organisations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.execute("UPDATE api_tokens SET organisation_id = "
               "(SELECT users.organisation_id FROM users WHERE users.id = api_tokens.user_id)")
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index("ix_api_tokens_organisation_id", ["organisation_id"], unique=False)
        batch.create_foreign_key("fk_api_tokens_organisation_id_organisations", "organisations",
                                 ["organisation_id"], ["id"])
    # Events written about tokens before this migration: the token's organisation.
    op.execute("UPDATE audit_events SET organisation_id = (SELECT api_tokens.organisation_id FROM api_tokens "
               "WHERE CAST(api_tokens.id AS VARCHAR(40)) = audit_events.entity_id) "
               "WHERE entity_type = 'api_tokens'")


def downgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("fk_api_tokens_organisation_id_organisations", type_="foreignkey")
        batch.drop_index("ix_api_tokens_organisation_id")
        batch.drop_column("organisation_id")
