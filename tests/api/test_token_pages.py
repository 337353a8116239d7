"""/account/tokens and ``flask tokens``: the plain token is shown once, users manage their own,
administrators can revoke anyone's."""
from __future__ import annotations

import re

from tests.factories import make_user
from vendor_registry.auth import tokens
from vendor_registry.auth.models import ApiToken
from vendor_registry.extensions import db


def _plain_from(page: str) -> str:
    match = re.search(r'id="new-token-value"[^>]*value="(vr_[^"]+)"', page)
    assert match, "the new token is shown on the page"
    return match.group(1)


def test_user_creates_a_token_shown_once_and_it_works(client, db_session, as_role):
    user = as_role("social_worker")
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "API-nycklar" in page.get_data(as_text=True)
    response = client.post("/account/tokens", data={"name": "Verksamhetssystemet", "expires_in_days": "30"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    plain = _plain_from(response.get_data(as_text=True))
    token = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    assert token.name == "Verksamhetssystemet" and token.expires_at is not None
    assert plain not in client.get("/account/tokens").get_data(as_text=True)
    api = client.get("/api/v1/providers", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 200


def test_create_without_name_is_422_with_the_form_kept(client, db_session, as_role):
    as_role("procurement_officer")
    response = client.post("/account/tokens", data={"name": "", "expires_in_days": "90"})
    assert response.status_code == 422
    assert "Ge nyckeln ett namn" in response.get_data(as_text=True)


def test_user_revokes_own_token_but_not_someone_elses(client, db_session, as_role):
    user = as_role("supervisor")
    own, _ = tokens.create_token(user, "egen")
    other_user = make_user(role="social_worker")
    other, _ = tokens.create_token(other_user, "annans")
    db_session.commit()
    assert client.post(f"/account/tokens/{other.id}/revoke").status_code == 403
    response = client.post(f"/account/tokens/{own.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, own.id).revoked_at is not None
    assert db.session.get(ApiToken, other.id).revoked_at is None


def test_admin_sees_and_revokes_anyones_token(client, db_session, as_role):
    other_user = make_user(role="social_worker")
    other, _ = tokens.create_token(other_user, "annans nyckel")
    db_session.commit()
    as_role("admin")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "annans nyckel" in page and other_user.email in page
    assert client.post(f"/account/tokens/{other.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, other.id).revoked_at is not None


def test_cli_create_prints_the_token_once_list_and_revoke(app, db_session):
    user = make_user(role="procurement_officer", email="cli-token@example.org")
    db_session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "cli-token@example.org", "--name", "Integration"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[-1]
    assert plain.startswith("vr_")
    token = tokens.lookup(plain)
    assert token is not None and token.user_id == user.id
    listed = runner.invoke(args=["tokens", "list", "--email", "cli-token@example.org"])
    assert "Integration" in listed.output and "active" in listed.output and plain not in listed.output
    revoked = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert revoked.exit_code == 0, revoked.output
    db.session.expire_all()
    assert tokens.lookup(plain) is None
    assert "revoked" in runner.invoke(args=["tokens", "list"]).output
    missing = runner.invoke(args=["tokens", "create", "nobody@example.org", "--name", "x"])
    assert missing.exit_code != 0 and "no user" in missing.output
