"""Row-level security on every table with an organisation (PostgreSQL; nothing on SQLite).

The policy of a table follows its ``organisation_id`` column: NOT NULL (an organisation's own
records) admits the rows of the organisation in ``app.organisation``; nullable (shared or own,
and ``audit_events``, whose organisation is the changed record's) admits those and the shared
rows (empty organisation). ``all`` admits everything (jobs, the command line, migrations, the
sign-in lookup); ``none`` (nobody signed in) the shared rows only; an unset or empty setting
nothing. FORCE makes the tables' owner obey the policies too; superusers never do (the app runs
as a role without those powers: DATABASE_ROLE, README "Running on PostgreSQL").

The tables are found in the catalogue, not listed: a table that gains ``organisation_id`` in a
later migration needs ``enable_row_level_security`` there (tests/organisations/test_rls.py
checks that every such table has it).

Revision ID: 0015_rls14
Revises: 0014_flags14
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_rls14"
down_revision = "0014_flags14"
branch_labels = None
depends_on = None

POLICY = "organisation_boundary"
# Each a scalar subquery, so that PostgreSQL reads the setting once per statement (an InitPlan)
# rather than once per row, and can use ``organisation_id = (…)`` as an index condition.
SETTING = "(SELECT current_setting('app.organisation', true))"
# The organisation's id, or NULL for anything that is not a number ('all', 'none', '', unset).
ORGANISATION = f"(SELECT CASE WHEN {SETTING} ~ '^[0-9]+$' THEN {SETTING}::integer END)"
OWN = f"({SETTING} = 'all' OR organisation_id = {ORGANISATION})"
SHARED_OR_OWN = f"({SETTING} = 'all' OR organisation_id = {ORGANISATION} OR (organisation_id IS NULL AND {SETTING} <> ''))"


def organisation_tables(bind) -> list[tuple[str, bool]]:
    """(table, organisation may be empty) for every table with an ``organisation_id``."""
    rows = bind.execute(sa.text(
        "SELECT table_name, is_nullable = 'YES' FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND column_name = 'organisation_id'"
        " AND table_name <> 'organisations' ORDER BY table_name")).all()
    return [(name, bool(nullable)) for name, nullable in rows]


def enable_row_level_security(table: str, shared_or_own: bool) -> None:
    rule = SHARED_OR_OWN if shared_or_own else OWN
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'CREATE POLICY {POLICY} ON "{table}" FOR ALL USING {rule} WITH CHECK {rule}')


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite has no row-level security: the ORM filter is the wall there
    for table, nullable in organisation_tables(bind):
        enable_row_level_security(table, nullable)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, _nullable in organisation_tables(bind):
        op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
