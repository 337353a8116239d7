"""CSRF on every state-changing page route, and the session cookie's flags per environment.

The shared test app runs with CSRF off (so that other tests can post forms directly); here it is
switched on for the test, as in every real configuration, and every POST/PUT/PATCH/DELETE route
outside the API is posted without a token and with a wrong one, signed in as an admin (who may
use every route): each must be refused with 400 and change nothing. The API takes no cookies
(tests/security/test_route_matrix.py), so it needs no CSRF token.
"""
from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from tests.factories import DEFAULT_PASSWORD, make_user
from tests.security.test_route_matrix import routes
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import SignIn
from vendor_registry.extensions import db

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _counts():
    return (db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(SignIn)))


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_the_login_form_needs_its_token(client, db_session, csrf_on):
    user = make_user()
    db_session.commit()
    before = _counts()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert _counts() == before  # not even a sign-in log row: the request never reached the form
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302  # the control: with its token the same post signs in


def test_every_state_changing_route_refuses_a_post_without_a_valid_token(app, client, db_session, csrf_on):
    admin = make_user(role="admin")
    db_session.commit()
    token = _token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": admin.email, "password": DEFAULT_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    targets = [(rule, method, url) for rule, method, url in routes(app)
               if method in STATE_CHANGING and not rule.rule.startswith("/api/")]
    assert len(targets) >= 40
    before = _counts()
    wrong = []
    for rule, method, url in targets:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.open(url, method=method, data=data)
            if response.status_code != 400:
                wrong.append(f"{method} {url} {data}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert _counts() == before
    # still signed in (logout was refused too), and a real token works
    page = client.get("/start")
    assert page.status_code == 200
    assert client.post("/language", data={"locale": "sv", "csrf_token": _token(page.get_data(as_text=True))}
                       ).status_code == 302


@pytest.mark.parametrize("environment, secure", [("development", False), ("testing", False), ("production", True)])
def test_session_cookie_flags_per_environment(tmp_path, monkeypatch, environment, secure):
    """The cookie a real login sets: HttpOnly and SameSite=Lax everywhere, Secure in production (plain
    HTTP on 127.0.0.1 in development and tests; ``SESSION_COOKIE_SECURE`` overrides)."""
    url = f"sqlite:///{tmp_path / 'cookies.db'}"
    monkeypatch.setenv("APP_ENV", environment)
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-key-for-cookie-flags")
    monkeypatch.setenv("DATABASE_URL", url)
    # production refuses a per-process rate-limit store; a successful login writes no count there
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15")
    from vendor_registry import create_app

    application = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False})
    assert application.config["APP_ENV"] == environment
    with application.app_context():
        upgrade(revision="heads")
        user = make_user()
        db.session.commit()
        # over HTTPS, as production is served (plain HTTP is redirected there before any login)
        response = application.test_client().post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD},
                                                   base_url="https://registry.kommun.example")
        assert response.status_code == 302 and response.location.endswith("/start"), response.location
        cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
        db.engine.dispose()
    assert len(cookies) == 1
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")[1:]}
    assert "httponly" in flags
    assert flags.get("samesite") == "SameSite=Lax"
    assert ("secure" in flags) is secure

