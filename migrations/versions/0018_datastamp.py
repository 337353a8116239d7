"""The data stamp: one row whose number every committed write moves (issue 15).

Rendered pages are served again only while this number is what it was when they were rendered
(``vendor_registry/datastamp.py``, ``vendor_registry/pagecache.py``).

Revision ID: 0018_datastamp
Revises: 0017_orgprovider
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_datastamp"
down_revision = "0017_orgprovider"
branch_labels = None
depends_on = None


def upgrade():
    stamps = op.create_table(
        "data_stamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_stamps")),
    )
    op.bulk_insert(stamps, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("data_stamps")
