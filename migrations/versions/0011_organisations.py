"""Organisations (issue 14): one installation, several municipalities.

Creates ``organisations`` with one row, the first organisation (named by the setting
FIRST_ORGANISATION_NAME, default "Kommunen"), and puts everything that is an organisation's
own into it: users, contracts, reviews and their actions, demand profiles and requirements,
approval decisions (moved from ``providers`` to ``provider_approvals``), approval events,
notifications, manual background checks, flags of the organisation's own rules, and the
evidence those link to. What is a shared fact stays shared (organisation empty): providers,
licences, automatic checks, flags raised from shared facts. The audit log gains the actor's
organisation and the changed record's.

Revision ID: 0011_organisations
Revises: 0010_signin
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0011_organisations"
down_revision = "0010_signin"
branch_labels = None
depends_on = None

OWN_TABLES = ("users", "contracts", "reviews", "review_actions", "demand_profiles", "requirements",
              "approval_events", "notifications")
SHARED_OR_OWN_TABLES = ("background_checks", "evidence_documents", "flags")
# The rules over an organisation's own records (DOMAIN.md §4): their flags are the organisation's.
OWN_RULES = ("contract_expiring", "contract_expired", "review_missing", "review_overdue",
             "review_actions_overdue")
APPROVAL_COLUMNS = ("status", "status_changed_at", "approved_at", "conditions", "conditions_until")


def _add_organisation(table: str, nullable: bool) -> None:
    if nullable and op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN with the reference inline: a batch copy of the table cannot copy
        # ``flags``' generated column, and SQLite cannot add a constraint afterwards.
        op.execute(f"ALTER TABLE {table} ADD COLUMN organisation_id INTEGER REFERENCES organisations (id)")
    elif nullable:
        op.add_column(table, sa.Column("organisation_id", sa.Integer(), sa.ForeignKey(
            "organisations.id", name=f"fk_{table}_organisation_id_organisations"), nullable=True))
    else:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))


def _constrain(table: str, nullable: bool) -> None:
    if nullable:
        op.create_index(f"ix_{table}_organisation_id", table, ["organisation_id"], unique=False)
        return
    with op.batch_alter_table(table) as batch:
        batch.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index(f"ix_{table}_organisation_id", ["organisation_id"], unique=False)
        batch.create_foreign_key(f"fk_{table}_organisation_id_organisations", "organisations",
                                 ["organisation_id"], ["id"])


def upgrade():
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    bind = op.get_bind()
    name = (current_app.config.get("FIRST_ORGANISATION_NAME") or "Kommunen").strip() or "Kommunen"
    bind.execute(sa.text("INSERT INTO organisations (name, active, created_at, updated_at) "
                         "VALUES (:name, :active, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                 {"name": name, "active": True})
    first = bind.execute(sa.text("SELECT min(id) FROM organisations")).scalar()

    for table in OWN_TABLES + SHARED_OR_OWN_TABLES:
        _add_organisation(table, nullable=table in SHARED_OR_OWN_TABLES)
    for table in OWN_TABLES:
        bind.execute(sa.text(f"UPDATE {table} SET organisation_id = :org"), {"org": first})
    bind.execute(sa.text("UPDATE background_checks SET organisation_id = :org WHERE automatic = :no"),
                 {"org": first, "no": False})
    rules = ", ".join(f"'{rule}'" for rule in OWN_RULES)
    bind.execute(sa.text(f"UPDATE flags SET organisation_id = :org WHERE rule IN ({rules})"), {"org": first})
    bind.execute(sa.text(
        "UPDATE evidence_documents SET organisation_id = :org WHERE id IN ("
        " SELECT evidence_document_id FROM background_checks WHERE automatic = :no AND evidence_document_id IS NOT NULL"
        " UNION SELECT evidence_document_id FROM reviews WHERE evidence_document_id IS NOT NULL)"),
        {"org": first, "no": False})
    for table in OWN_TABLES + SHARED_OR_OWN_TABLES:
        _constrain(table, nullable=table in SHARED_OR_OWN_TABLES)

    with op.batch_alter_table("demand_profiles") as batch:
        batch.drop_constraint("uq_demand_profiles_name", type_="unique")
        batch.create_unique_constraint("uq_demand_profiles_organisation_id_name", ["organisation_id", "name"])

    op.create_table(
        "provider_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("conditions_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_provider_approvals_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"],
                                name=op.f("fk_provider_approvals_provider_id_providers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_approvals")),
        sa.UniqueConstraint("organisation_id", "provider_id",
                            name=op.f("uq_provider_approvals_organisation_id_provider_id")),
    )
    op.create_index("ix_provider_approvals_organisation_id", "provider_approvals", ["organisation_id"])
    op.create_index("ix_provider_approvals_provider_id", "provider_approvals", ["provider_id"])
    op.create_index("ix_provider_approvals_org_status", "provider_approvals",
                    ["organisation_id", "status", "provider_id"])
    columns = ", ".join(APPROVAL_COLUMNS)
    bind.execute(sa.text(
        f"INSERT INTO provider_approvals (organisation_id, provider_id, {columns}) "
        f"SELECT :org, id, {columns} FROM providers"), {"org": first})
    with op.batch_alter_table("providers") as batch:
        batch.drop_index("ix_providers_status_name")
        batch.drop_index("ix_providers_status")
        for column in APPROVAL_COLUMNS:
            batch.drop_column(column)

    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("actor_organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
    bind.execute(sa.text("UPDATE audit_events SET actor_organisation_id = :org WHERE actor_user_id IS NOT NULL"),
                 {"org": first})
    own = ", ".join(f"'{table}'" for table in OWN_TABLES + ("provider_approvals",))
    bind.execute(sa.text(f"UPDATE audit_events SET organisation_id = :org WHERE entity_type IN ({own})"),
                 {"org": first})
    op.create_index("ix_audit_events_organisation_id", "audit_events", ["organisation_id"])


def downgrade():
    op.drop_index("ix_audit_events_organisation_id", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("organisation_id")
        batch.drop_column("actor_organisation_id")
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("status", sa.String(length=40), nullable=False, server_default="draft"))
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("conditions", sa.Text(), nullable=True))
        batch.add_column(sa.Column("conditions_until", sa.Date(), nullable=True))
    bind = op.get_bind()
    first = bind.execute(sa.text("SELECT min(id) FROM organisations")).scalar()
    for column in APPROVAL_COLUMNS:
        bind.execute(sa.text(
            f"UPDATE providers SET {column} = (SELECT a.{column} FROM provider_approvals a "
            f"WHERE a.provider_id = providers.id AND a.organisation_id = :org)"), {"org": first})
    bind.execute(sa.text("UPDATE providers SET status_changed_at = created_at WHERE status_changed_at IS NULL"))
    bind.execute(sa.text("UPDATE providers SET status = 'draft' WHERE status IS NULL"))
    with op.batch_alter_table("providers") as batch:
        batch.alter_column("status_changed_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index("ix_providers_status", ["status"], unique=False)
        batch.create_index("ix_providers_status_name", ["status", "name"], unique=False)
    op.drop_table("provider_approvals")
    with op.batch_alter_table("demand_profiles") as batch:
        batch.drop_constraint("uq_demand_profiles_organisation_id_name", type_="unique")
        batch.create_unique_constraint("uq_demand_profiles_name", ["name"])
    for table in SHARED_OR_OWN_TABLES:
        op.drop_index(f"ix_{table}_organisation_id", table_name=table)
        if bind.dialect.name != "sqlite":
            op.drop_constraint(f"fk_{table}_organisation_id_organisations", table, type_="foreignkey")
        op.drop_column(table, "organisation_id")
    for table in OWN_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_organisation_id_organisations", type_="foreignkey")
            batch.drop_index(f"ix_{table}_organisation_id")
            batch.drop_column("organisation_id")
    op.drop_table("organisations")
