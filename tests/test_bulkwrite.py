"""The sweep's raw executemany writes exactly what ``session.execute`` would (issue 15)."""
import gc
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from vendor_registry.audit.models import AuditEvent
from vendor_registry.bulkwrite import executemany_rows, paused_gc
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag

NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


def _stored(session, label):
    return [(e.occurred_at, e.actor_kind, e.actor_user_id, e.action, e.entity_type, e.entity_id, e.provider_id,
             e.changes, e.note)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.actor_label == label).order_by(AuditEvent.id))]


def test_executemany_rows_stores_what_session_execute_stores(db_session):
    rows = [("insert", "1", 7, {"severity": [None, "high"], "message": [None, "Å ä ö"]}),
            ("update", "2", None, {"cleared_at": [None, NOW.isoformat()]})]
    constants = {"occurred_at": NOW, "actor_kind": "job", "actor_user_id": None, "entity_type": "flags", "note": None}
    db_session.execute(insert(AuditEvent.__table__), [
        {"action": a, "entity_id": i, "provider_id": p, "changes": c, "actor_label": "orm", **constants}
        for a, i, p, c in rows])
    executemany_rows(db_session, insert(AuditEvent.__table__), ("action", "entity_id", "provider_id", "changes"),
                     rows, {**constants, "actor_label": "raw"})
    db_session.flush()
    db_session.expire_all()
    assert _stored(db_session, "raw") == _stored(db_session, "orm")
    assert len(_stored(db_session, "raw")) == 2


def test_executemany_rows_refuses_to_skip_python_defaults(db_session):
    with pytest.raises(ValueError, match="raised_at"):
        executemany_rows(db_session, insert(Flag.__table__), ("provider_id", "message"), [(1, "x")],
                         {"rule": "licence_missing", "subject_key": "provider", "severity": "high",
                          "status": "open", "last_seen_at": NOW, "announced": False, "version": 1})


def test_paused_gc_restores_the_collector():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


# --- audited bulk inserts (demo data, bulk handling) -------------------------------------------

def _check_rows(provider_ids):
    """Rows of mixed shapes, as a generator writes them: values left out, None, JSON details,
    shared (no organisation) and own."""
    from vendor_registry.codes import CheckOutcome, CheckType

    rows = []
    for n, provider_id in enumerate(provider_ids):
        row = {"provider_id": provider_id, "check_type": CheckType.TAX_REGISTRATION if n % 2 else CheckType.IVO_REGISTER,
               "performed_at": NOW, "performed_by_label": "bulk", "automatic": n % 2 == 0,
               "result": CheckOutcome.PASS if n % 3 else CheckOutcome.CONCERN, "summary": f"Kontroll {n}",
               "details": {"licences": {"7": "revoked"}} if n % 3 == 0 else None}
        if n % 2 == 0:
            row["organisation_id"] = None  # a public register's answer is shared
        if n % 4 == 1:
            row["evidence"] = "Intyg"
        rows.append(row)
    return rows


def _stored_checks(ids):
    from vendor_registry.background_checks.models import BackgroundCheck

    checks = {c.id: c for c in db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.id.in_(ids)))}
    events = {int(e.entity_id): e.changes for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "background_checks", AuditEvent.entity_id.in_([str(i) for i in ids])))}
    return [((c.provider_id, c.check_type, c.performed_at, c.automatic, c.result, c.summary, c.details, c.evidence,
              c.organisation_id, c.version, c.created_at is not None),
             {k: v for k, v in events[c.id].items() if k != "id"}) for c in (checks[i] for i in ids)]


def test_insert_audited_stores_and_audits_what_orm_objects_do(db_session):
    """Mixed rows through ``insert_audited`` (grouped by their keys, ids given first) end up
    as the same rows and the same audit events as ORM objects made from the same values:
    JSON's None stays a JSON null, a left-out organisation is the writer's, None is shared."""
    from tests.factories import make_provider
    from vendor_registry.audit.context import Actor, acting_as
    from vendor_registry.audit.listener import insert_audited
    from vendor_registry.background_checks.models import BackgroundCheck

    providers = [make_provider() for _ in range(3)]
    rows = _check_rows([p.id for p in providers for _ in range(4)])
    with acting_as(Actor("system", "bulk")):
        bulk_ids = insert_audited(db.session, BackgroundCheck, rows)
        objects = [BackgroundCheck(**row) for row in rows]
        db.session.add_all(objects)
        db.session.flush()
    db.session.expire_all()
    assert bulk_ids == sorted(bulk_ids) and len(set(bulk_ids)) == len(rows)
    assert _stored_checks(bulk_ids) == _stored_checks([o.id for o in objects])
    details = db.session.execute(select(BackgroundCheck.__table__.c.details.is_(None))
                                  .where(BackgroundCheck.id == bulk_ids[1])).scalar()
    assert details is False  # stored as JSON null, as the ORM stores a None


def test_insert_audited_makes_as_many_statements_for_many_rows_as_for_few(db_session, statement_counter):
    from tests.factories import make_provider
    from vendor_registry.audit.context import Actor, acting_as
    from vendor_registry.audit.listener import insert_audited
    from vendor_registry.background_checks.models import BackgroundCheck

    provider = make_provider()
    counts = []
    for size in (12, 240):
        with acting_as(Actor("system", "bulk")), statement_counter() as statements:
            ids = insert_audited(db.session, BackgroundCheck, _check_rows([provider.id] * size))
        assert len(ids) == size
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_bulk_inserts_keep_the_data_stamp_honest(db_session):
    """A COPY runs outside SQLAlchemy's statements; the data stamp must still know that this
    transaction wrote (kept pages must not be served from it)."""
    from vendor_registry import datastamp
    from vendor_registry.bulkwrite import insert_dicts
    from vendor_registry.methods.models import Method

    assert datastamp.current(db.session) is not None
    insert_dicts(db.session, Method.__table__, [{"name": "Bulkmetod", "description": "Skriven i bulk", "version": 1}])
    assert datastamp.current(db.session) is None
    assert db.session.scalar(select(Method.name).where(Method.name == "Bulkmetod")) == "Bulkmetod"


def test_copy_is_used_only_where_row_level_security_allows_it(app, db_session, statement_counter):
    """PostgreSQL refuses COPY into a table whose row-level security binds the role (the app's
    role in these tests, as in production): such rows go as an INSERT; others by COPY, which
    no statement counter sees."""
    from vendor_registry.bulkwrite import insert_dicts
    from vendor_registry.methods.models import Method

    with statement_counter() as unsecured:
        insert_dicts(db.session, Method.__table__, [{"name": "Kopierad", "description": "COPY", "version": 1}])
    with statement_counter() as secured:
        insert_dicts(db.session, AuditEvent.__table__, [{
            "occurred_at": NOW, "actor_kind": "job", "actor_user_id": None, "actor_label": "rls", "action": "insert",
            "entity_type": "methods", "entity_id": "1", "provider_id": None, "changes": {}, "organisation_id": None}])
    copied = db.engine.dialect.name == "postgresql"  # SQLite: one executemany for both
    assert sum(s.startswith("INSERT") for s in unsecured) == (0 if copied else 1)
    assert sum(s.startswith("INSERT") for s in secured) == 1
    assert db.session.scalar(select(Method.name).where(Method.name == "Kopierad")) == "Kopierad"
    assert _stored(db.session, "rls")


def test_among_selects_what_in_selects(db_session):
    from tests.factories import make_provider
    from vendor_registry.idsets import among
    from vendor_registry.providers.models import Provider

    ids = [make_provider().id for _ in range(4)]
    wanted = {ids[0], ids[2], 10**6}
    found = set(db.session.scalars(select(Provider.id).where(among(Provider.id, wanted, db.engine.dialect.name))))
    assert found == {ids[0], ids[2]}


def _flag_rows(provider_ids, prefix):
    return [(provider_id, None, f"{prefix}:{n}", "high", f"Meddelande {n} \"citat\" å", {"n": n} if n % 2 else None)
            for n, provider_id in enumerate(provider_ids)]


def _stored_flags(prefix):
    return [(f.provider_id, f.organisation_id, f.subject_key, f.severity.value, f.message, f.details, f.raised_at,
             f.announced, f.version)
            for f in db.session.scalars(select(Flag).where(Flag.subject_key.like(f"{prefix}:%")).order_by(Flag.id))]


@pytest.mark.parametrize("staged", [True, False], ids=["staged", "unnest"])
def test_executemany_rows_with_on_conflict_stores_what_the_orm_stores(db_session, staged):
    """The sweep's INSERT … ON CONFLICT DO NOTHING: on PostgreSQL the rows go by COPY into a
    temporary table (``staged``) or, for a role that may not make one, as arrays through
    unnest(); either way (and on SQLite) a row whose live slot is taken is skipped, the rows
    land in their order, and the same call can run twice in one transaction."""
    from tests.factories import make_provider
    from vendor_registry.flags.reconcile import dialect_insert

    connection = db_session.connection()
    connection.info["bulkwrite_temp_allowed"] = staged  # what a role without TEMPORARY gets
    ids = [make_provider().id for _ in range(3)]
    constants = {"rule": "licence_missing", "status": "open", "raised_at": NOW, "last_seen_at": NOW,
                 "announced": False, "version": 1}
    columns = ("provider_id", "organisation_id", "subject_key", "severity", "message", "details")
    stmt = dialect_insert(db_session, Flag.__table__).on_conflict_do_nothing()
    executemany_rows(db_session, stmt, columns, _flag_rows(ids, "bulk"), constants)
    executemany_rows(db_session, stmt, columns, _flag_rows(ids, "bulk") + _flag_rows(ids, "more"), constants)
    db_session.execute(insert(Flag.__table__), [dict(zip(columns, row), **constants) for row in _flag_rows(ids, "orm")])
    db_session.expire_all()
    bulk, more, orm = _stored_flags("bulk"), _stored_flags("more"), _stored_flags("orm")
    assert len(bulk) == 3, "the second call's taken slots were skipped"
    assert [row[2:] for row in bulk] == [(f"bulk:{n}", *row[3:]) for n, row in enumerate(orm)]
    assert [row[2:] for row in more] == [(f"more:{n}", *row[3:]) for n, row in enumerate(orm)]
    assert bulk[1][5] == {"n": 1} and bulk[0][5] is None
    connection.info.pop("bulkwrite_temp_allowed")
