"""The password rule (auth/passwords.py) and every place a password is set: the admin's new-user
form, a person's own change, and the CLI."""
from __future__ import annotations

import re

import pytest

from tests.factories import DEFAULT_PASSWORD, make_user
from vendor_registry.auth import passwords
from vendor_registry.auth.passwords import MAX_PASSWORD_LENGTH, password_problem
from vendor_registry.demo.reference import DEMO_PASSWORDS, DEMO_USERS

REFUSED = {
    "elva tecken": passwords.TOO_SHORT,
    "x" * (MAX_PASSWORD_LENGTH + 1): passwords.TOO_LONG,
    "qwerty123456": passwords.TOO_COMMON,  # in the 20,000 list
    "1q2w3e4r5t6y": passwords.TOO_COMMON,
    "PASSWORD12345": passwords.TOO_COMMON,  # "password" + digits, any case
    "Sommaren2024!": passwords.TOO_COMMON,  # a Swedish word + a year and a sign
    "lösenord1234": passwords.TOO_COMMON,
    "Välkommen2026": passwords.TOO_COMMON,
    "Stockholm12345": passwords.TOO_COMMON,
    "anna.andersson@kommun.se": passwords.IS_IDENTITY,  # the e-mail address itself
    "Anna Andersson 2026!": passwords.IS_IDENTITY,  # the name with digits and signs
    "annaandersson": passwords.IS_IDENTITY,
}
ACCEPTED = [
    DEFAULT_PASSWORD,
    "kaffe och kanelbulle på fredag",
    "Tolv tecken!",  # exactly 12, spaces count
    "x7#" * 21 + "y",  # 64
    "ä" * MAX_PASSWORD_LENGTH,  # any character, up to the maximum
    "hunter2 vid grinden i Gnesta",
]


@pytest.mark.parametrize("password, reason", REFUSED.items())
def test_refused_passwords_say_why_in_swedish(password, reason):
    assert password_problem(password, email="anna.andersson@kommun.se", name="Anna Andersson") == reason


@pytest.mark.parametrize("password", ACCEPTED)
def test_long_uncommon_passwords_need_no_composition(password):
    assert password_problem(password, email="anna.andersson@kommun.se", name="Anna Andersson") is None


def test_the_shipped_lists_are_read_from_the_package():
    common = passwords.common_passwords()
    assert len(common) > 19_000
    assert {"password", "123456", "sommar2024", "lösenord123", "välkommen"} <= common


def test_demo_and_fixture_passwords_comply():
    names = {email: name for email, name, _role in DEMO_USERS}
    for email, password in DEMO_PASSWORDS.items():
        assert password_problem(password, email=email, name=names[email]) is None, email
    assert password_problem(DEFAULT_PASSWORD, email="user1@example.org", name="Test User 1") is None


def test_the_admin_form_refuses_a_common_password(client, as_role, db_session):
    as_role("admin")
    data = {"email": "ny.person@kommun.example.org", "name": "Ny Person", "role": "social_worker"}
    response = client.post("/admin/users/new", data={**data, "password": "Sommaren2024!"})
    assert response.status_code == 422
    assert "Lösenordet är för vanligt" in response.get_data(as_text=True)
    response = client.post("/admin/users/new", data={**data, "password": "Ny Person 2026"})
    assert response.status_code == 422 and "inte vara e-postadressen eller namnet" in response.get_data(as_text=True)
    assert client.post("/admin/users/new", data={**data, "password": "en lång och ovanlig fras"}).status_code == 302


def test_the_cli_applies_the_rule_to_create_and_set_password(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "cli@example.org", "--role", "admin", "--name", "Cli"],
                           input="lösenord12345\n")
    assert result.exit_code != 0 and "för vanligt" in result.output
    user = make_user()
    db_session.commit()
    token_before = user.session_token
    result = runner.invoke(args=["users", "set-password", user.email], input="qwerty123456\n")
    assert result.exit_code != 0 and "för vanligt" in result.output
    result = runner.invoke(args=["users", "set-password", user.email], input="ett nytt och långt lösen\n")
    assert result.exit_code == 0, result.output
    db_session.refresh(user)
    assert user.check_password("ett nytt och långt lösen") and user.session_token != token_before
    assert runner.invoke(args=["users", "set-password", "ingen@example.org"], input="x" * 20 + "\n").exit_code != 0


def _errors(response) -> str:
    return " ".join(re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)', response.get_data(as_text=True)))


def test_a_person_changes_their_own_password(app, client, login, db_session):
    user = make_user()
    db_session.commit()
    login(user)
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    assert client.get("/account/password").status_code == 200

    def change(current, new, confirm=None):
        return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                       "confirm": new if confirm is None else confirm})

    wrong = change("fel-lösenord-123", "ett nytt och långt lösen")
    assert wrong.status_code == 422 and "nuvarande lösenordet stämmer inte" in _errors(wrong)
    common = change(DEFAULT_PASSWORD, "Vintern2025!!")
    assert common.status_code == 422 and "för vanligt" in _errors(common)
    mismatch = change(DEFAULT_PASSWORD, "ett nytt och långt lösen", "ett annat och långt lösen")
    assert mismatch.status_code == 422 and "inte likadana" in _errors(mismatch)
    assert change(DEFAULT_PASSWORD, "ett nytt och långt lösen").status_code == 302

    assert client.get("/start").status_code == 200  # this session goes on
    assert other.get("/start").status_code == 302  # the other one has ended
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 422
    assert client.post("/login", data={"email": user.email, "password": "ett nytt och långt lösen"}).status_code == 302
