"""Shared on purpose (issue 14): published_reviews (what an organisation publishes of a review
for the others) and background_checks.shared_by_organisation_id (a manual check marked
shareable: shared, naming the organisation that recorded it).

Revision ID: 0013_share14
Revises: 0012_pages15
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_share14"
down_revision = "0012_pages15"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "published_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("publisher_organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("rating_delivered_as_agreed", sa.Integer(), nullable=True),
        sa.Column("rating_staff_competence", sa.Integer(), nullable=True),
        sa.Column("rating_safety", sa.Integer(), nullable=True),
        sa.Column("rating_cooperation", sa.Integer(), nullable=True),
        sa.Column("rating_documentation", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"],
                                name=op.f("fk_published_reviews_review_id_reviews"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"],
                                name=op.f("fk_published_reviews_provider_id_providers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["publisher_organisation_id"], ["organisations.id"],
                                name=op.f("fk_published_reviews_publisher_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_reviews")),
        sa.UniqueConstraint("review_id", name=op.f("uq_published_reviews_review_id")),
    )
    op.create_index("ix_published_reviews_provider_id", "published_reviews", ["provider_id"])
    op.create_index("ix_published_reviews_publisher_organisation_id", "published_reviews",
                    ["publisher_organisation_id"])
    op.create_index("ix_published_reviews_performed_on", "published_reviews", ["performed_on"])
    if op.get_bind().dialect.name == "sqlite":
        # As 0011 did for organisation_id: a plain ADD COLUMN with the reference inline.
        op.execute("ALTER TABLE background_checks ADD COLUMN shared_by_organisation_id INTEGER "
                   "REFERENCES organisations (id)")
    else:
        op.add_column("background_checks", sa.Column(
            "shared_by_organisation_id", sa.Integer(),
            sa.ForeignKey("organisations.id", name="fk_background_checks_shared_by_organisation_id_organisations"),
            nullable=True))


def downgrade():
    # As 0011 drops organisation_id: a native DROP COLUMN (a batch copy of the table would turn
    # the inline references into table-level ones that 0011's downgrade then cannot drop).
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_background_checks_shared_by_organisation_id_organisations", "background_checks",
                           type_="foreignkey")
    op.drop_column("background_checks", "shared_by_organisation_id")
    op.drop_index("ix_published_reviews_performed_on", table_name="published_reviews")
    op.drop_index("ix_published_reviews_publisher_organisation_id", table_name="published_reviews")
    op.drop_index("ix_published_reviews_provider_id", table_name="published_reviews")
    op.drop_table("published_reviews")
