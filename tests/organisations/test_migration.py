"""`flask db upgrade` of a single-organisation database puts everything into the first organisation."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import BACKENDS, drop_database, fresh_database_url, make_test_app

NOW = "2026-11-01 10:00:00"


def _seed_0010(conn) -> None:
    """Rows as a database at 0010 holds them: approval on the provider, no organisations."""
    conn.execute(sa.text(
        "INSERT INTO users (id, email, name, role, password_hash, active, session_token, version, created_at, updated_at)"
        " VALUES (1, 'a@example.org', 'A', 'supervisor', 'x', true, 'tok', 1, :now, :now)"), {"now": NOW})
    conn.execute(sa.text(
        "INSERT INTO providers (id, org_number, name, kinds, ownership, county, counties_served, target_groups,"
        " housing_forms, languages, service_areas, status, status_changed_at, approved_at, conditions, version,"
        " created_at, updated_at) VALUES (1, '5560000001', 'Gamla AB', '|hvb|', 'private', '01', '|01|', '||', '||',"
        " '||', '||', 'conditionally_approved', :now, :now, 'Villkor', 1, :now, :now)"), {"now": NOW})
    conn.execute(sa.text(
        "INSERT INTO contracts (id, provider_id, kind, reference, starts_on, version, created_at, updated_at)"
        " VALUES (1, 1, 'framework_agreement', 'R-1', '2026-01-01', 1, :now, :now)"), {"now": NOW})
    for check_id, automatic, kind in ((1, True, "ivo_register"), (2, False, "insurance")):
        conn.execute(sa.text(
            "INSERT INTO background_checks (id, provider_id, check_type, performed_at, performed_by_label, automatic,"
            " result, summary, version, created_at) VALUES (:id, 1, :kind, :now, 'x', :auto, 'pass', 's', 1, :now)"),
            {"id": check_id, "kind": kind, "auto": automatic, "now": NOW})
    for flag_id, rule, subject in ((1, "contract_expiring", "contract:1"), (2, "licence_missing", "hvb")):
        conn.execute(sa.text(
            "INSERT INTO flags (id, provider_id, rule, subject_key, severity, status, message, raised_at, last_seen_at,"
            " announced, version) VALUES (:id, 1, :rule, :subject, 'low', 'open', 'm', :now, :now, false, 1)"),
            {"id": flag_id, "rule": rule, "subject": subject, "now": NOW})


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_puts_everything_into_the_first_organisation(backend, tmp_path):
    url = fresh_database_url(backend, tmp_path)
    app = make_test_app(url, tmp_path / "instance", FIRST_ORGANISATION_NAME="Malmö stad")
    try:
        with app.app_context():
            upgrade(revision="0010_signin")
            engine = sa.create_engine(url)
            with engine.begin() as conn:
                _seed_0010(conn)
            upgrade(revision="heads")
            with engine.connect() as conn:
                orgs = conn.execute(sa.text("SELECT id, name FROM organisations")).all()
                assert [name for _id, name in orgs] == ["Malmö stad"]
                first = orgs[0][0]
                assert conn.execute(sa.text("SELECT organisation_id FROM users")).scalar() == first
                assert conn.execute(sa.text("SELECT organisation_id FROM contracts")).scalar() == first
                approval = conn.execute(sa.text(
                    "SELECT organisation_id, provider_id, status, conditions FROM provider_approvals")).one()
                assert tuple(approval) == (first, 1, "conditionally_approved", "Villkor")
                checks = dict(conn.execute(sa.text("SELECT check_type, organisation_id FROM background_checks")).all())
                assert checks == {"ivo_register": None, "insurance": first}  # register answers are shared
                flags = dict(conn.execute(sa.text("SELECT rule, organisation_id FROM flags")).all())
                assert flags == {"contract_expiring": first, "licence_missing": None}
                columns = {c["name"] for c in sa.inspect(conn).get_columns("providers")}
                assert "status" not in columns and "approved_at" not in columns
            # and back: the first organisation's decision returns to the provider row
            downgrade(revision="0010_signin")
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT status FROM providers")).scalar() == "conditionally_approved"
            engine.dispose()
    finally:
        with app.app_context():
            from vendor_registry.extensions import db
            db.engine.dispose()
        drop_database(url)
