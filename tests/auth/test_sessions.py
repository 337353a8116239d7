"""Login, logout, session renewal, deactivation ending sessions, CSRF."""

from tests.conftest import make_test_app
from tests.factories import DEFAULT_PASSWORD, make_user
from vendor_registry.auth import services


def test_wrong_password_is_refused_with_a_swedish_message(client, db_session):
    user = make_user()
    db_session.commit()
    response = client.post("/login", data={"email": user.email, "password": "fel-lösenord"})
    assert response.status_code == 422
    assert "Fel e-postadress eller lösenord" in response.get_data(as_text=True)
    assert user.email in response.get_data(as_text=True)  # input kept


def test_login_renews_the_session_and_logout_ends_it(client, db_session):
    user = make_user()
    db_session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
    assert client.get("/providers/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/providers/").status_code == 302


def test_deactivation_ends_open_sessions(client, login, db_session):
    user = make_user()
    db_session.commit()
    login(user)
    assert client.get("/providers/").status_code == 200
    services.deactivate_user(user)
    db_session.commit()
    response = client.get("/providers/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 422


def test_role_change_takes_effect_at_once(client, login, db_session):
    user = make_user(role="procurement_officer")
    db_session.commit()
    login(user)
    services.change_role(user, "social_worker")
    db_session.commit()
    assert client.get("/providers/").status_code == 302  # old session ended


def test_next_parameter_cannot_redirect_off_site(client, db_session):
    user = make_user()
    db_session.commit()
    response = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/start"


def test_forbidden_and_missing_pages_are_proper_pages(client, as_role):
    as_role("social_worker")
    forbidden = client.get("/providers/new")
    assert forbidden.status_code == 403 and "Åtkomst nekad" in forbidden.get_data(as_text=True)
    missing = client.get("/providers/999999")
    assert missing.status_code == 404 and "Sidan finns inte" in missing.get_data(as_text=True)


def test_csrf_is_enforced_outside_tests(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/csrf.db", tmp_path / "inst", WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400


def test_english_is_available_and_remembered(client, login, db_session):
    user = make_user()
    db_session.commit()
    login(user)
    client.post("/language", data={"locale": "en", "next": "/providers/"})
    db_session.refresh(user)
    assert user.locale == "en"
    assert 'lang="en"' in client.get("/providers/").get_data(as_text=True)
