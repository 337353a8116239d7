"""An API read never fails because its token's usage stamp cannot be written.

Found under load on SQLite (benchmarks/side_by_side.py): while the scheduler held the write
lock, `GET /api/v1/providers` answered 500 "database is locked" on the token's last_used_at
update. The stamp is bookkeeping: it waits its turn briefly, and is skipped if it cannot have it.
"""
from __future__ import annotations

import sqlite3

from sqlalchemy import select

from tests.factories import make_user
from tests.jobs.conftest import build_app
from vendor_registry.auth import tokens
from vendor_registry.auth.models import ApiToken
from vendor_registry.extensions import db


def _app_with_token(tmp_path):
    app, url = build_app("sqlite", tmp_path, SQLITE_BUSY_TIMEOUT_MS=200)
    with app.app_context():
        user = make_user(role="social_worker")
        _token, plain = tokens.create_token(user, "Läsande system")
        db.session.commit()
        db.session.remove()
    return app, url.removeprefix("sqlite:///"), plain


def _last_used(app):
    with app.app_context():
        value = db.session.scalar(select(ApiToken.last_used_at))
        db.session.remove()
    return value


def test_a_read_succeeds_while_another_process_holds_the_write_lock(tmp_path):
    app, path, plain = _app_with_token(tmp_path)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the scheduler writing, longer than the busy timeout
        response = client.get("/api/v1/providers", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert "items" in response.get_json()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _last_used(app) is None  # skipped, not failed
    assert client.get("/api/v1/providers", headers=headers).status_code == 200
    assert _last_used(app) is not None  # stamped once the database is free
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
