"""Issue 17: two saves of one record at the same moment never answer 500 (PostgreSQL).

An edit form is checked against the version it was opened with, but two saves can both pass
that check and meet only at the UPDATE: on PostgreSQL the second waits for the first's row
lock and then matches no row (``StaleDataError``), which answered 500 under load. It is the
same conflict the version check reports, so it gets the same kind of answer: 409, in Swedish,
and the first save is kept. (SQLite takes the write lock at BEGIN, so there the version check
already sees the first save.)
"""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests.concurrency.conftest import load_users_module, serve
from tests.conftest import BACKENDS
from tests.factories import make_provider
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_a_save_that_loses_the_race_at_the_update_is_a_409(tmp_path):
    load = load_users_module()
    with serve("postgresql", tmp_path) as live:
        with live.app.app_context():
            provider_id = make_provider(name="Samtidig AB").id
            db.session.commit()
            db.session.remove()
        browser = live.session_for(live.add_user("procurement_officer"))
        page = browser.get(live(f"/providers/{provider_id}/edit"), timeout=60)
        action, fields = load.form_fields(page.text, f"/providers/{provider_id}/edit", "/edit")

        other = sa.create_engine(live.app.config["SQLALCHEMY_DATABASE_URI"])
        with other.connect() as conn:
            # another person's save, not yet committed: it holds the row
            conn.execute(sa.text("UPDATE providers SET notes = 'först', version = version + 1 WHERE id = :id"),
                         {"id": provider_id})
            answer: dict = {}
            sender = threading.Thread(target=lambda: answer.update(response=browser.post(
                live(action), data=load.changed(fields, notes="sedan"), allow_redirects=False, timeout=120)))
            sender.start()
            deadline = time.monotonic() + 60
            with other.connect() as watcher:  # until our save waits for that row lock
                while not watcher.scalar(sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'")) and time.monotonic() < deadline:
                    time.sleep(0.05)
            conn.commit()
            sender.join(120)
        other.dispose()
        response = answer["response"]
        assert response.status_code == 409, response.text[:1000]
        assert "samtidigt" in response.text
        with live.app.app_context():
            assert db.session.get(Provider, provider_id).notes == "först"  # the first save is kept
            db.session.remove()
