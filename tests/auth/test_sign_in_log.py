"""Logins go to the sign-in log (who, when, from where, failures too), never to the audit log,
and never with the password."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import DEFAULT_PASSWORD, make_user
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import SignIn

BROWSER = {"REMOTE_ADDR": "192.0.2.17", "HTTP_USER_AGENT": "Testwebbläsare/1.0"}


def _attempt(client, email, password):
    return client.post("/login", data={"email": email, "password": password}, environ_base=BROWSER)


def test_every_attempt_is_logged_and_none_reaches_the_audit_log(client, db_session):
    user = make_user(email="chef@kommun.example.org")
    gone = make_user(email="slutat@kommun.example.org", active=False)
    db_session.commit()
    assert _attempt(client, "chef@kommun.example.org", "fel-lösenord-123").status_code == 422
    assert _attempt(client, "okand@kommun.example.org", "gissat-lösenord").status_code == 422
    assert _attempt(client, gone.email, DEFAULT_PASSWORD).status_code == 422
    assert _attempt(client, " Chef@Kommun.example.org ", DEFAULT_PASSWORD).status_code == 302

    rows = db_session.scalars(select(SignIn).order_by(SignIn.id)).all()
    assert [(r.email, r.outcome, r.succeeded, r.user_id) for r in rows] == [
        ("chef@kommun.example.org", "wrong_password", False, user.id),
        ("okand@kommun.example.org", "unknown_email", False, None),
        ("slutat@kommun.example.org", "inactive", False, gone.id),
        ("chef@kommun.example.org", "ok", True, user.id),
    ]
    assert {(r.address, r.user_agent) for r in rows} == {("192.0.2.17", "Testwebbläsare/1.0")}
    assert all(r.occurred_at is not None for r in rows)
    stored = repr([[getattr(r, c.key) for c in SignIn.__table__.columns] for r in rows])
    assert "fel-lösenord-123" not in stored and "gissat-lösenord" not in stored and DEFAULT_PASSWORD not in stored
    # a login is not a change to the account: nothing in the audit log, however many logins
    for _ in range(3):
        client.post("/logout")
        _attempt(client, user.email, DEFAULT_PASSWORD)
    logged = db_session.scalars(select(AuditEvent).where(AuditEvent.entity_type.in_(["users", "sign_ins"]))).all()
    assert [(e.action, e.entity_type) for e in logged] == [("insert", "users")] * 2  # the two accounts, no logins
    db_session.refresh(user)
    assert user.last_login_at is not None  # the account page still shows it


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_read_the_sign_in_log(client, as_role, db_session, role):
    make_user(email="finns@kommun.example.org")
    db_session.commit()
    _attempt(client, "inbrott@annan.example.net", "gissning-1")
    _attempt(client, "finns@kommun.example.org", "gissning-2")
    as_role(role)
    page = client.get("/audit/sign-ins")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "inbrott@annan.example.net" in body and "Okänd e-postadress" in body and "Fel lösenord" in body
    assert "192.0.2.17" in body and "Lyckades" in body  # the viewer's own login is there too
    failed = client.get("/audit/sign-ins?outcome=failed&email=inbrott").get_data(as_text=True)
    assert "inbrott@annan.example.net" in failed and "finns@kommun.example.org" not in failed
    assert "1 inloggningsförsök" in failed


@pytest.mark.parametrize("role", ["procurement_officer", "social_worker"])
def test_others_may_not_read_it(client, as_role, role):
    as_role(role)
    assert client.get("/audit/sign-ins").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
