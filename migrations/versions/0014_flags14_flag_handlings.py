"""Flags across organisations (issue 14): each organisation's own handling of shared flags.

- ``uq_flags_live_subject`` holds for shared flags (organisation empty), and
  ``uq_flags_live_own_subject`` per organisation, so each organisation can hold its own live
  flag of an own rule beside the others' (NULL never equals NULL in a unique index).
- ``flag_handlings``: one row per (shared flag, organisation) that has acknowledged, assigned,
  snoozed, resolved or dismissed it.
- The flags of the check rules for manual check types are the first organisation's own (like
  the manual checks 0011 gave it).
- What the first organisation did to a live shared flag (acknowledged, assigned, snoozed,
  dismissed) becomes its handling, and the flag row is open again for everybody else.

Revision ID: 0014_flags14
Revises: 0013_share14
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_flags14"
down_revision = "0013_share14"
branch_labels = None
depends_on = None

LIVE = "status IN ('open', 'acknowledged') OR (status = 'dismissed' AND cleared_at IS NULL)"
SHARED = f"organisation_id IS NULL AND ({LIVE})"
OWN = f"organisation_id IS NOT NULL AND ({LIVE})"
MANUAL_CHECK_SUBJECTS = ("check:tax_registration", "check:enforcement_debts", "check:staff_records",
                         "check:values_declaration", "check:insurance", "check:financial_standing")


def upgrade():
    op.drop_index("uq_flags_live_subject", table_name="flags")
    op.create_index("uq_flags_live_subject", "flags", ["provider_id", "rule", "subject_key"], unique=True,
                    sqlite_where=sa.text(SHARED), postgresql_where=sa.text(SHARED))
    op.create_index("uq_flags_live_own_subject", "flags", ["provider_id", "rule", "subject_key", "organisation_id"],
                    unique=True, sqlite_where=sa.text(OWN), postgresql_where=sa.text(OWN))
    op.create_table(
        "flag_handlings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("open", "acknowledged", "resolved", "dismissed", name="flagstatus",
                                    native_enum=False, length=40), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("ack_comment", sa.Text(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by_label", sa.String(length=254), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["flag_id"], ["flags.id"], name=op.f("fk_flag_handlings_flag_id_flags"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"],
                                name=op.f("fk_flag_handlings_acknowledged_by_id_users")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_flag_handlings_assignee_id_users")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"], name=op.f("fk_flag_handlings_resolved_by_id_users")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_flag_handlings_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_handlings")),
        sa.UniqueConstraint("flag_id", "organisation_id", name=op.f("uq_flag_handlings_flag_id_organisation_id")),
    )
    op.create_index("ix_flag_handlings_flag_id", "flag_handlings", ["flag_id"])
    op.create_index("ix_flag_handlings_organisation_id", "flag_handlings", ["organisation_id"])

    bind = op.get_bind()
    first = bind.execute(sa.text("SELECT min(id) FROM organisations")).scalar()
    if first is None:
        return
    subjects = ", ".join(f"'{subject}'" for subject in MANUAL_CHECK_SUBJECTS)
    bind.execute(sa.text(
        "UPDATE flags SET organisation_id = :org WHERE organisation_id IS NULL "
        f"AND rule IN ('check_overdue', 'check_failed') AND subject_key IN ({subjects})"), {"org": first})
    handled = (f"organisation_id IS NULL AND ({LIVE}) AND (status <> 'open' OR assignee_id IS NOT NULL "
               "OR snoozed_until IS NOT NULL)")
    bind.execute(sa.text(
        "INSERT INTO flag_handlings (flag_id, organisation_id, status, acknowledged_at, acknowledged_by_id, "
        "ack_comment, snoozed_until, assignee_id, resolved_at, resolved_by_id, resolved_by_label, "
        "resolution_note, version) "
        "SELECT id, :org, status, acknowledged_at, acknowledged_by_id, ack_comment, snoozed_until, assignee_id, "
        f"resolved_at, resolved_by_id, resolved_by_label, resolution_note, 1 FROM flags WHERE {handled}"),
        {"org": first})
    bind.execute(sa.text(
        "UPDATE flags SET status = 'open', acknowledged_at = NULL, acknowledged_by_id = NULL, ack_comment = NULL, "
        "snoozed_until = NULL, assignee_id = NULL, resolved_at = NULL, resolved_by_id = NULL, "
        f"resolved_by_label = NULL, resolution_note = NULL, version = version + 1 WHERE {handled}"))


def downgrade():
    op.drop_index("ix_flag_handlings_organisation_id", table_name="flag_handlings")
    op.drop_index("ix_flag_handlings_flag_id", table_name="flag_handlings")
    op.drop_table("flag_handlings")
    op.drop_index("uq_flags_live_own_subject", table_name="flags")
    op.drop_index("uq_flags_live_subject", table_name="flags")
    op.create_index("uq_flags_live_subject", "flags", ["provider_id", "rule", "subject_key"], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
