"""Sign-in throttling through the real login form: the per-address lock in the sign-in log, the
per-client-address limit in the limiter's storage, the time and admin unlocks, and what
supervisors and admins see. Numbers are the defaults (10 failures in 15 minutes; 30 failures per
client address in 15 minutes) unless a test sets its own."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import DEFAULT_PASSWORD, make_user
from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import SignIn

LOCKED = "För många misslyckade inloggningsförsök med den här e-postadressen"


def _attempt(client, email, password, address="127.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _error_text(response) -> str:
    """The message under the password field (the page's only field error)."""
    html = response.get_data(as_text=True)
    found = re.search(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)', html)
    return found.group(1).strip() if found else ""


def _outcomes(email):
    return [row.outcome for row in SignIn.query.filter_by(email=email).order_by(SignIn.id)]


def test_ten_failures_lock_the_address_and_the_eleventh_is_refused_even_with_the_right_password(client, db_session):
    user = make_user()
    db_session.commit()
    statuses = [_attempt(client, user.email, f"fel-lösenord-{i}").status_code for i in range(10)]
    assert statuses == [422] * 10
    refused = _attempt(client, user.email, DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in refused.get_data(as_text=True)
    assert 14 * 60 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert _outcomes(user.email) == ["wrong_password"] * 10 + ["locked"]


def test_an_unknown_address_gets_the_same_answers_as_a_real_account(client, db_session):
    user = make_user()
    db_session.commit()
    answers = {}
    for email in (user.email, "ingen.alls@example.org"):
        failures = [_attempt(client, email, "fel-lösenord-123") for _ in range(10)]
        locked = _attempt(client, email, DEFAULT_PASSWORD)
        answers[email] = ([r.status_code for r in failures], _error_text(failures[-1]),
                          locked.status_code, _error_text(locked))
    real, unknown = answers[user.email], answers["ingen.alls@example.org"]
    assert real == unknown
    assert real[2] == 429 and LOCKED in real[3]


def test_the_lock_ends_by_itself_after_the_configured_minutes(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LOCK_FAILURES", 3)
    monkeypatch.setitem(app.config, "LOGIN_LOCK_MINUTES", 5)
    user = make_user()
    db_session.commit()
    for _ in range(3):
        assert _attempt(client, user.email, "fel-lösenord-123").status_code == 422
    assert _attempt(client, user.email, DEFAULT_PASSWORD).status_code == 429
    start = clock.utcnow()
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(minutes=4))
    assert _attempt(client, user.email, DEFAULT_PASSWORD).status_code == 429  # refused attempts do not extend it
    monkeypatch.setattr(clock, "utcnow", lambda: start + timedelta(minutes=5, seconds=1))
    assert _attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_a_successful_sign_in_starts_the_count_afresh(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LOCK_FAILURES", 3)
    user = make_user()
    db_session.commit()
    for _ in range(2):
        _attempt(client, user.email, "fel-lösenord-123")
    assert _attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(2):
        assert _attempt(client, user.email, "fel-lösenord-123").status_code == 422
    assert _attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_supervisors_see_locked_addresses_and_an_admin_unlocks_with_an_audited_button(app, client, login, db_session):
    user = make_user(name="Låst Person")
    supervisor = make_user(role="supervisor")
    admin = make_user(role="admin")
    db_session.commit()
    guesser = app.test_client()
    for _ in range(10):
        _attempt(guesser, user.email, "fel-lösenord-123")
    for _ in range(10):
        _attempt(guesser, "okand@example.org", "fel-lösenord-123")

    login(supervisor)
    page = client.get("/audit/sign-ins").get_data(as_text=True)
    table = page.split('id="locked-table"', 1)[1].split("</table>", 1)[0]
    assert user.email in table and "Låst Person" in table and "okand@example.org" in table and "Inget konto" in table
    assert f"/admin/users/{user.id}" not in table  # supervisors cannot unlock: no link to the admin page
    filtered = client.get("/audit/sign-ins?outcome=wrong_password&email=okand").get_data(as_text=True)
    assert "okand@example.org" in filtered
    client.post("/logout")

    login(admin)
    assert f"/admin/users/{user.id}" in client.get("/audit/sign-ins").get_data(as_text=True)
    account_page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Spärrad" in account_page and f"/admin/users/{user.id}/unlock" in account_page
    db_session.refresh(user)
    response = client.post(f"/admin/users/{user.id}/unlock", data={"version": user.version})
    assert response.status_code == 302
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "users",
                                                       AuditEvent.entity_id == str(user.id),
                                                       AuditEvent.action == "update")
                              .order_by(AuditEvent.id.desc()))
    assert "sign_in_unlocked_at" in event.changes and event.actor_user_id == admin.id
    assert "Inte spärrad" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert _attempt(guesser, user.email, DEFAULT_PASSWORD).status_code == 302
    # the unknown address stays locked: there is no account to unlock
    assert _attempt(app.test_client(), "okand@example.org", "x" * 12).status_code == 429


def test_one_client_address_is_throttled_across_accounts(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_LIMIT", "5 per 15 minutes")
    user = make_user()
    db_session.commit()
    for n in range(5):
        assert _attempt(client, f"gissning{n}@example.org", "fel-lösenord-123", "203.0.113.9").status_code == 422
    refused = _attempt(client, user.email, DEFAULT_PASSWORD, "203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "från din dator eller ditt nätverk" in refused.get_data(as_text=True)
    assert _outcomes(user.email) == ["throttled"]
    # another address is not affected, and successes never count
    assert _attempt(client, user.email, DEFAULT_PASSWORD, "203.0.113.10").status_code == 302


@pytest.mark.parametrize("setting", ["LOGIN_LOCK_FAILURES", "LOGIN_LOCK_MINUTES", "LOGIN_ADDRESS_LIMIT"])
def test_the_throttle_is_configurable_from_the_environment(setting):
    from config import load_config

    value = "7 per hour" if setting == "LOGIN_ADDRESS_LIMIT" else "7"
    loaded = load_config({"APP_ENV": "production", setting: value})[setting]
    assert str(loaded) == value
