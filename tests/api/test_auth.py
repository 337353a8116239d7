"""Bearer tokens: only SHA-256 stored, 401 for missing/revoked/expired/deactivated, the role table,
the audit actor, usage stamps at most once a minute, no CSRF and no cookies on the API."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from tests.api.conftest import assert_problem
from tests.conftest import make_test_app
from tests.factories import make_user
from vendor_registry.auth import services as account_services
from vendor_registry.auth import tokens
from vendor_registry.auth.models import ApiToken
from vendor_registry.database import utcnow
from vendor_registry.extensions import db


def test_token_is_stored_as_sha256_only(db_session):
    user = make_user()
    token, plain = tokens.create_token(user, "Ekonomisystemet")
    db_session.commit()
    assert plain.startswith("vr_") and len(plain) > 40
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.prefix == plain[:11]
    stored = db.session.execute(db.text("SELECT token_hash, prefix FROM api_tokens WHERE id = :id"),
                                {"id": token.id}).one()
    assert plain not in stored and stored.token_hash != plain
    assert tokens.lookup(plain).id == token.id
    assert tokens.lookup(plain + "x") is None


def test_token_name_is_required(db_session):
    with pytest.raises(tokens.TokenError):
        tokens.create_token(make_user(), "  ")


def test_missing_or_malformed_token_is_401_with_www_authenticate(client, db_session):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwdw=="},
                    {"Authorization": "Bearer vr_not-a-real-token"}):
        response = client.get("/api/v1/providers", headers=headers)
        body = assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert body["detail"]


def test_revoked_token_is_401(client, db_session, api_user):
    user, headers = api_user("admin")
    assert client.get("/api/v1/providers", headers=headers).status_code == 200
    token = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    tokens.revoke_token(token)
    db_session.commit()
    assert_problem(client.get("/api/v1/providers", headers=headers), 401)


def test_expired_token_is_401(client, db_session, api_user):
    user, headers = api_user("admin")
    token = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    assert_problem(client.get("/api/v1/providers", headers=headers), 401)


def test_deactivated_user_is_401_and_role_changes_apply_at_once(client, db_session, api_user):
    user, headers = api_user("procurement_officer")
    assert client.get("/api/v1/jobs", headers=headers).status_code == 403
    account_services.change_role(user, "supervisor")
    db_session.commit()
    assert client.get("/api/v1/jobs", headers=headers).status_code == 200
    account_services.deactivate_user(user)
    db_session.commit()
    assert_problem(client.get("/api/v1/providers", headers=headers), 401)


@pytest.mark.parametrize("role,status", [("admin", 200), ("supervisor", 200), ("procurement_officer", 403),
                                         ("social_worker", 403)])
def test_jobs_follow_the_role_table(client, db_session, headers_for, role, status):
    response = client.get("/api/v1/jobs", headers=headers_for(role))
    assert response.status_code == status
    if status == 200:
        assert set(response.get_json()) == {"items", "page", "per_page", "total"}
    else:
        assert_problem(response, 403)


def test_last_used_at_is_written_at_most_once_a_minute(client, db_session, api_user, statement_counter):
    user, headers = api_user("social_worker")
    token = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    assert token.last_used_at is None
    client.get("/api/v1/providers", headers=headers)
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    with statement_counter() as statements:
        for _ in range(3):
            assert client.get("/api/v1/providers", headers=headers).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first
    # a minute later the next call records use again (once)
    db.session.get(ApiToken, token.id).last_used_at = first - timedelta(seconds=61)
    db_session.commit()
    client.get("/api/v1/providers", headers=headers)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at > first - timedelta(seconds=61)


def test_usage_stamp_is_not_an_audit_event_but_revocation_is(db_session):
    from vendor_registry.audit.models import AuditEvent

    user = make_user()
    token, _plain = tokens.create_token(user, "x")
    db_session.commit()
    assert tokens.touch(token)
    db_session.commit()
    tokens.revoke_token(token)
    db_session.commit()
    actions = [e.action for e in db.session.scalars(
        db.select(AuditEvent).filter_by(entity_type="api_tokens", entity_id=str(token.id)).order_by(AuditEvent.id))]
    assert actions == ["insert", "update"]
    event = db.session.scalar(db.select(AuditEvent).filter_by(entity_type="api_tokens", entity_id=str(token.id),
                                                              action="insert"))
    assert event.changes["token_hash"] == [None, "***"]


def test_api_sets_no_cookies(client, db_session, headers_for):
    response = client.get("/api/v1/providers", headers=headers_for("social_worker"))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_api_is_exempt_from_csrf_and_ignores_session_login(tmp_path):
    """With CSRF on (as in production), a bearer POST works and a logged-in browser session
    without a token is still 401 on the API."""
    app = make_test_app(f"sqlite:///{tmp_path}/csrf.db", tmp_path / "inst", WTF_CSRF_ENABLED=True)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision="heads")
        user = make_user(role="procurement_officer")
        _token, plain = tokens.create_token(user, "csrf")
        db.session.commit()
        email = user.email
    client = app.test_client()
    body = {"org_number": "556016-0680", "name": "Csrf AB", "kinds": ["hvb"], "ownership": "private",
            "county": "01"}
    response = client.post("/api/v1/providers", json=body, headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    # a form POST to a page without a CSRF token is refused, so protection is still on elsewhere
    assert client.post("/login", data={"email": email, "password": "x"}).status_code == 400
    with app.app_context():
        db.engine.dispose()


def test_tokens_endpoint_lists_own_tokens_and_revokes(client, db_session, api_user):
    _user, headers = api_user("social_worker")
    _other, other_headers = api_user("social_worker")
    listed = client.get("/api/v1/tokens", headers=headers).get_json()["items"]
    assert [t["name"] for t in listed] == ["test client"] and "token_hash" not in listed[0]
    other_id = client.get("/api/v1/tokens", headers=other_headers).get_json()["items"][0]["id"]
    assert_problem(client.post(f"/api/v1/tokens/{other_id}/revoke", headers=headers), 404)
    own_id = listed[0]["id"]
    revoked = client.post(f"/api/v1/tokens/{own_id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert_problem(client.get("/api/v1/tokens", headers=headers), 401)
    # an admin may revoke anyone's
    _admin, admin_headers = api_user("admin")
    assert client.post(f"/api/v1/tokens/{other_id}/revoke", headers=admin_headers).status_code == 200
    assert_problem(client.get("/api/v1/tokens", headers=other_headers), 401)
