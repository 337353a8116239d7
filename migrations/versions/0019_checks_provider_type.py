"""Background checks are indexed by (provider, type, performed_at) (issue 15, found at scale).

Every check rule and page asks for "a provider's latest answer of a type". With only the
provider indexed, PostgreSQL planning on statistics older than a bulk load (the demo data, an
import, before autovacuum has looked) joined the policy's needs to the checks through the type
index, 18,000 rows a probe: 83 s for the overdue rule on the 20,000-provider demo. With this
index any plan reads the few rows it needs. The provider index it starts with made
``ix_background_checks_provider_id`` redundant, so that one goes (one index less to write).

Revision ID: 0019_checks_provider_type
Revises: 0018_datastamp
"""
from alembic import op

revision = "0019_checks_provider_type"
down_revision = "0018_datastamp"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_background_checks_provider_type_performed", "background_checks",
                    ["provider_id", "check_type", "performed_at"])
    op.drop_index("ix_background_checks_provider_id", table_name="background_checks")


def downgrade():
    op.create_index("ix_background_checks_provider_id", "background_checks", ["provider_id"])
    op.drop_index("ix_background_checks_provider_type_performed", table_name="background_checks")
