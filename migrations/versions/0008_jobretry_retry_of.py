"""Abandoned job runs and their one retry (issue 17, item 5): ``retry_of_id`` links the run that
runs a night again to the run whose process was killed. The heartbeat column itself came with
0005; the new status ``abandoned`` is a value of the plain string column.

Revision ID: 0008_jobretry
Revises: 0007_perf
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_jobretry"
down_revision = "0007_perf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_job_runs_retry_of_id_job_runs"), "job_runs", ["retry_of_id"], ["id"])


def downgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_job_runs_retry_of_id_job_runs"), type_="foreignkey")
        batch_op.drop_column("retry_of_id")
