"""The first wall must be complete where there is no second one (SQLite): every statement that
bypasses the ORM's organisation filter is listed here with the reason it cannot leak, and the
reads a request makes beside the ORM's mapped classes filter by the acting organisation.

The ORM filter (``tenancy._filter_own_rows``) covers every statement run through the session
that names a mapped class, column-only selects, subqueries, EXISTS and joins included. It does
NOT cover: statements on ``Model.__table__``, ``text()``, anything executed on a Connection
(``session.connection()``, ``engine.connect()``), nor tables without the organisation mixins.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from tests.factories import (
    make_contract,
    make_organisation,
    make_provider,
    make_review,
    make_user,
)
from vendor_registry.auth.models import ApiToken
from vendor_registry.codes import FlagRule, FlagSeverity, Role
from vendor_registry.database import Base, utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.organisations import tenancy

PACKAGE = Path(__file__).resolve().parents[2] / "vendor_registry"

#: (file, what bypasses the filter) -> why it cannot show or change another organisation's rows.
REVIEWED = {
    ("audit/listener.py", "AuditEvent.__table__"): "inserts events stamped with the record's organisation",
    ("audit/listener.py", ".connection()"): "inserts audit events (no read)",
    ("flags/bulk.py", "Flag.__table__"): "updates the ids of flags loaded through the ORM (filtered)",
    ("flags/notify.py", "Flag.__table__"): "send_digests: the nightly job (ALL scope)",
    ("flags/notify.py", "Notification.__table__"): "send_digests (job); mark_read: the signed-in person's own notices",
    ("flags/notify.py", "User.__table__"): "send_digests: the nightly job (ALL scope)",
    ("flags/queries.py", "Flag.__table__"): "a column in ORDER BY of an ORM select (filtered)",
    ("flags/models.py", "Flag.__table__"): "the table definition (computed column, index)",
    ("flags/reconcile.py", "Flag.__table__"): "updates the ids of live flags read through the ORM (filtered)",
    ("flags/reconcile.py", "AuditEvent.__table__"): "inserts flag events",
    ("bulkwrite.py", ".connection()"): "bulk inserts: new flags for reconcile, audited rows and their audit events (no read)",
    ("bulkwrite.py", "exec_driver_sql"): "bulk inserts: new flags for reconcile, audited rows and their audit events (no read)",
    ("flags/whats_new.py", "User.__table__"): "mark_seen: the signed-in person's own row, by its id",
    ("organisations/tenancy.py", "engine.connect("): "reads the organisations table (not an own table)",
    ("jobs/runs.py", "engine.connect("): "job runs and their advisory lock (no own table)",
    ("jobs/leases.py", "engine.begin("): "job run leases (no own table)",
    ("cli.py", "engine.connect("): "`flask preflight`: SELECT 1",
    ("datastamp.py", ".connection()"): "the data stamp's one row (no organisation); the connection's write marker",
    ("sqlite.py", "exec_driver_sql"): "BEGIN / BEGIN IMMEDIATE",
    ("flags/handling.py", "FlagHandling.__table__"):
        "bulk handling: updates the ids of handlings loaded through the ORM (filtered), inserts the acting organisation's",
    ("flags/handling_sweep.py", "FlagHandling.__table__"): "the sweeps re-open handlings (ALL scope, a job or the refresh)",
    ("demand/snapshots.py", ".connection()"):
        "the lean loader adds tenancy.organisation_filter() to every statement it runs on the connection",
}


def _own_models() -> dict[str, str]:
    """Class name -> table name of every mapped class whose table has an organisation."""
    return {mapper.class_.__name__: mapper.local_table.name for mapper in Base.registry.mappers
            if "organisation_id" in mapper.local_table.c and mapper.local_table.name != "organisations"}


def _bypasses() -> set[tuple[str, str]]:
    models = _own_models()
    tables = "|".join(sorted(models.values()))
    table_sql = re.compile(rf"\b(FROM|JOIN|UPDATE|INTO)\s+\"?({tables})\b", re.IGNORECASE)
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE))
        if name.startswith("organisations/rls.py"):
            continue
        source = path.read_text(encoding="utf-8")
        for model in models:
            if re.search(rf"\b{model}\.__table__", source):
                found.add((name, f"{model}.__table__"))
        for token in (".connection()", "exec_driver_sql", "engine.connect(", "engine.begin("):
            if token in source:
                found.add((name, token))
        for match in re.finditer(r"\btext\(\s*f?([\"'])(.*?)\1", source, re.DOTALL):
            if table_sql.search(match.group(2)):
                found.add((name, "text()"))
    return found


def test_every_statement_that_bypasses_the_organisation_filter_is_reviewed():
    found = _bypasses()
    unreviewed = sorted(found - set(REVIEWED))
    assert not unreviewed, (
        "statements that bypass the ORM's organisation filter (SQLite has no second wall): filter "
        "them by tenancy.current_organisation_id() or explain in REVIEWED why they cannot leak: "
        f"{unreviewed}")
    assert ("flags/bulk.py", "Flag.__table__") in found  # the scan finds what it looks for


def _two_organisations():
    first = tenancy.default_organisation_id()
    return first, make_organisation("Lunds kommun").id


def test_admin_start_page_lists_only_its_own_organisations_expiring_keys(db_session):
    from vendor_registry.dashboard.queries import admin_page

    _first, other = _two_organisations()
    ours = make_user(Role.ADMIN)
    with tenancy.within_organisation(other):
        theirs = make_user(Role.ADMIN)
    for user, name in ((ours, "Vår nyckel"), (theirs, "Lunds nyckel")):
        db.session.add(ApiToken(user_id=user.id, name=name, token_hash=name.encode().hex().ljust(64, "0")[:64],
                                prefix=name[:3], expires_at=utcnow() + timedelta(days=5)))
    db.session.flush()
    db_session.expunge_all()
    with tenancy.within_organisation(ours.organisation_id):
        assert [token.name for token in admin_page()["tokens"]] == ["Vår nyckel"]
    with tenancy.within_organisation(other):
        assert [token.name for token in admin_page()["tokens"]] == ["Lunds nyckel"]


def test_matching_snapshots_read_the_acting_organisations_contracts_reviews_and_flags(db_session):
    from vendor_registry.demand.snapshots import load_snapshots

    first, other = _two_organisations()
    provider = make_provider()
    make_contract(provider, price_per_day=5000)
    make_review(provider, performed_on=date.today() - timedelta(days=40))
    with tenancy.within_organisation(other):
        make_contract(provider, price_per_day=100)
        make_review(provider, performed_on=date.today() - timedelta(days=1))
        db.session.add(Flag(provider_id=provider.id, rule=FlagRule.CONTRACT_EXPIRING, subject_key="c:1",
                            severity=FlagSeverity.CRITICAL, message="m"))
        db.session.flush()
    db_session.expunge_all()
    with tenancy.within_organisation(first):
        [snapshot] = load_snapshots(db.session, date.today(), [provider.id])
    assert snapshot.lowest_price == 5000
    assert snapshot.latest_review_on == date.today() - timedelta(days=40)
    assert (snapshot.open_flags, snapshot.critical_flags) == (0, 0)
    with tenancy.within_organisation(other):
        [snapshot] = load_snapshots(db.session, date.today(), [provider.id])
    assert (snapshot.lowest_price, snapshot.critical_flags) == (100, 1)
