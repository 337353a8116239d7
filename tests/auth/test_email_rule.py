"""One e-mail rule: an address the CLI accepts can log in, one the login form refuses the CLI
refuses too, with the same Swedish message."""
import pytest

from vendor_registry.auth.emails import is_valid_email, normalise_email

PASSWORD = "ett långt lösenord"


def _create(app, email: str):
    return app.test_cli_runner().invoke(
        args=["users", "create", email, "--role", "supervisor", "--name", "Ny Chef"], input=PASSWORD + "\n")


@pytest.mark.parametrize("typed_at_login", ["  Åsa.Chef@Kommun.se ", "åsa.chef@kommun.se"])
def test_a_user_created_on_the_command_line_can_log_in(app, client, db_session, typed_at_login):
    result = _create(app, " Åsa.Chef@Kommun.SE")
    assert result.exit_code == 0, result.output
    assert "created åsa.chef@kommun.se" in result.output
    response = client.post("/login", data={"email": typed_at_login, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert client.get("/start").status_code == 200


@pytest.mark.parametrize("email", ["admin@localhost", "chef@kommun.local", "chef@kommun", "chef kommun@kommun.se",
                                   "chef@@kommun.se"])
def test_what_the_login_form_refuses_the_command_line_refuses(app, client, db_session, email):
    result = _create(app, email)
    assert result.exit_code != 0
    assert "Ange en giltig e-postadress" in result.output
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 422
    assert "Ange en giltig e-postadress, till exempel namn@kommun.se." in response.get_data(as_text=True)


def test_one_rule_decides_for_both():
    assert is_valid_email(" a.b@kommun.se ") and not is_valid_email("a@localhost") and not is_valid_email("")
    assert normalise_email(" A.B@Kommun.SE ") == "a.b@kommun.se"
