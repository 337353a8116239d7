"""Single sign-on: how each sign-in was made, and the provider's subject on a user.

``sign_ins.method`` tells a password login from one through the municipality's identity
provider (existing rows were all password logins). ``users.oidc_subject`` holds the provider's
``sub`` for deployments that map accounts by subject rather than by e-mail address.

Revision ID: 0009_oidc
Revises: 0008_jobretry
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_oidc"
down_revision = "0008_jobretry"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sign_ins") as batch:
        batch.add_column(sa.Column("method", sa.String(length=20), server_default="password", nullable=False))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_oidc_subject"), ["oidc_subject"])


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_oidc_subject"), type_="unique")
        batch.drop_column("oidc_subject")
    with op.batch_alter_table("sign_ins") as batch:
        batch.drop_column("method")
