"""API tokens belong to their owner's organisation (issue 14).

A token acts within its user's organisation; with the organisation on the row, the token list,
its revocation and the audit events of a token are that organisation's own like every other
own record (and PostgreSQL's row-level security can hold the same line). Existing tokens get
their owner's organisation.

Revision ID: 0016_isolation14
Revises: 0015_rls14
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_isolation14"
down_revision = "0015_rls14"
branch_labels = None
depends_on = None


def _row_level_security():
    """0015's policy builder: api_tokens gained its organisation after 0015 made the policies."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("0015_rls14_row_level_security.py")
    spec = importlib.util.spec_from_file_location("rls14_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    if op.get_bind().dialect.name == "postgresql":
        _row_level_security().enable_row_level_security("api_tokens", shared_or_own=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        rls = _row_level_security()
        op.execute(f'DROP POLICY IF EXISTS {rls.POLICY} ON "api_tokens"')
        op.execute('ALTER TABLE "api_tokens" NO FORCE ROW LEVEL SECURITY')
        op.execute('ALTER TABLE "api_tokens" DISABLE ROW LEVEL SECURITY')
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("fk_api_tokens_organisation_id_organisations", type_="foreignkey")
        batch.drop_index("ix_api_tokens_organisation_id")
        batch.drop_column("organisation_id")
