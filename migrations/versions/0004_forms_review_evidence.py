"""A review can point to an evidence document (a licence and a check already can).

Revision ID: 0004_forms
Revises: 0003_setup
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_forms"
down_revision = "0003_setup"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_document_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_reviews_evidence_document_id_evidence_documents"),
                                    "evidence_documents", ["evidence_document_id"], ["id"])


def downgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reviews_evidence_document_id_evidence_documents"),
                                 type_="foreignkey")
        batch_op.drop_column("evidence_document_id")
