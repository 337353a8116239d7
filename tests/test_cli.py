"""The users and demo-data commands, run through Flask's CLI runner on the test database."""
from sqlalchemy import func, select

from vendor_registry.auth.models import User
from vendor_registry.codes import LicenceStatus, Role
from vendor_registry.licences.models import Licence
from vendor_registry.providers.models import Provider


def test_users_create_list_deactivate(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "Ny.Person@Kommun.example.org", "--role", "supervisor",
                                 "--name", "Ny Person"], input="ett-langt-losenord\n")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "ny.person@kommun.example.org"))
    assert user.role == Role.SUPERVISOR and user.check_password("ett-langt-losenord")
    token_before = user.session_token

    listing = runner.invoke(args=["users", "list"])
    assert "ny.person@kommun.example.org\tsupervisor\tactive" in listing.output

    result = runner.invoke(args=["users", "deactivate", "ny.person@kommun.example.org"])
    assert result.exit_code == 0
    db_session.refresh(user)
    assert user.active is False and user.session_token != token_before


def test_users_create_rejects_short_password_and_bad_role(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin", "--name", "A"], input="kort\n")
    assert result.exit_code != 0 and "minst 12 tecken" in result.output
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "king", "--name", "A"], input="x" * 12)
    assert result.exit_code != 0


def test_demo_data_fills_an_empty_database_and_refuses_a_second_time(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--providers", "40"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example.org" in result.output
    assert db_session.scalar(select(func.count()).select_from(Provider)) == 40
    statuses = set(db_session.scalars(select(Licence.status).distinct()))
    assert statuses == set(LicenceStatus), statuses
    assert {u.role for u in db_session.scalars(select(User))} >= set(Role)

    again = runner.invoke(args=["demo-data"])
    assert again.exit_code != 0 and "--force" in again.output
    quiet = runner.invoke(args=["demo-data", "--if-empty"])
    assert quiet.exit_code == 0
    assert db_session.scalar(select(func.count()).select_from(Provider)) == 40
    forced = runner.invoke(args=["demo-data", "--force", "--providers", "5", "--quiet"])
    assert forced.exit_code == 0, forced.output
    assert db_session.scalar(select(func.count()).select_from(Provider)) == 45
