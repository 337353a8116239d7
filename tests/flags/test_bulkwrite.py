"""The sweep's raw executemany writes exactly what ``session.execute`` would (issue 15)."""
import gc
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from vendor_registry.audit.models import AuditEvent
from vendor_registry.flags.bulkwrite import executemany_rows, paused_gc
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
