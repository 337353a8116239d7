"""An administrator ties an account to the identity provider's subject (single sign-on by
``sub``): on the user's page or with the CLI; never a login itself, never two accounts to one."""
from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_user
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import User


def _post_subject(client, user, subject, version=None):
    return client.post(f"/admin/users/{user.id}/subject",
                       data={"oidc_subject": subject, "version": user.version if version is None else version})


def test_an_admin_sets_changes_and_removes_the_subject(client, as_role, db_session):
    as_role("admin")
    person = make_user("social_worker", email="soc@kommun.example.org")
    other = make_user("supervisor", email="chef@kommun.example.org", oidc_subject="S-1")
    db_session.commit()

    saved = _post_subject(client, person, "  S-2 ")
    assert saved.status_code == 302
    db_session.refresh(person)
    assert person.oidc_subject == "S-2"
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Identitet hos kommunens inloggningstjänst (sub)" in page and 'value="S-2"' in page
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "users",
                                                        AuditEvent.entity_id == str(person.id))
                               .order_by(AuditEvent.id.desc())).first()
    assert "oidc_subject" in repr(event.changes)

    taken = _post_subject(client, person, "S-1")
    assert taken.status_code == 422
    assert "Identiteten S-1 hör redan till chef@kommun.example.org." in taken.get_data(as_text=True)
    stale = _post_subject(client, person, "S-3", version=person.version - 1)
    assert stale.status_code == 409
    assert _post_subject(client, person, "").status_code == 302
    db_session.refresh(person)
    db_session.refresh(other)
    assert person.oidc_subject is None and other.oidc_subject == "S-1"


def test_only_an_admin_may_set_a_subject(client, as_role, db_session):
    as_role("supervisor")
    person = make_user("social_worker")
    db_session.commit()
    assert _post_subject(client, person, "S-9").status_code == 403
    db_session.refresh(person)
    assert person.oidc_subject is None


def test_the_cli_sets_and_clears_the_subject(app, db_session):
    make_user("admin", email="a@kommun.example.org", oidc_subject="S-A")
    person = make_user("supervisor", email="b@kommun.example.org")
    db_session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["users", "set-subject", "B@kommun.example.org", "S-B"])
    assert result.exit_code == 0 and "b@kommun.example.org\tS-B" in result.output
    assert runner.invoke(args=["users", "set-subject", "b@kommun.example.org", "S-A"]).exit_code != 0
    assert runner.invoke(args=["users", "set-subject", "ingen@kommun.example.org", "S-C"]).exit_code != 0
    db_session.refresh(person)
    assert person.oidc_subject == "S-B"
    assert runner.invoke(args=["users", "set-subject", "b@kommun.example.org"]).exit_code == 0
    assert db_session.scalar(select(User.oidc_subject).where(User.id == person.id)) is None
