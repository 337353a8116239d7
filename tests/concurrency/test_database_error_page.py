"""Issue 17, item 9: the "database unavailable" page never needs the database itself.

Under load the 503 page itself failed: drawing it loaded the signed-in person (and the
notices badge) from the session whose transaction had just failed, or from the database that
had just refused, so the answer became a bare 500. The 503 page rolls the session back first
and is drawn without asking the database anything.
"""
from __future__ import annotations

import sqlite3

from tests.concurrency.conftest import serve
from tests.conftest import make_test_app

UNAVAILABLE = "Databasen kan inte nås"


def test_a_signed_in_page_gets_the_503_page_when_the_database_cannot_be_opened(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/no-such-folder/registry.db", tmp_path / "instance",
                        PROPAGATE_EXCEPTIONS=False, TESTING=False)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"  # a person signed in before the database went away
        session["_fresh"] = True
    for path in ("/start", "/providers/", "/api/v1/providers"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.get_data(as_text=True)[:300])
    page = client.get("/providers/").get_data(as_text=True)
    assert UNAVAILABLE in page and "Traceback" not in page


def test_a_write_refused_by_a_held_lock_gets_the_503_page_and_the_next_request_works(tmp_path):
    with serve("sqlite", tmp_path, SQLITE_BUSY_TIMEOUT_MS=200, PROPAGATE_EXCEPTIONS=False, TESTING=False) as live:
        email = live.add_user("procurement_officer")
        browser = live.session_for(email)
        other = sqlite3.connect(live.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                                isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing for longer than the busy timeout
        try:
            response = browser.post(live("/providers/new"), data={"name": "Låst AB"}, allow_redirects=False,
                                    timeout=60)
            assert response.status_code == 503 and UNAVAILABLE in response.text
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert browser.get(live("/providers/"), timeout=60).status_code == 200
