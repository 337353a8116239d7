from tests.factories import make_provider


def test_login_and_list(client, as_role, db_session):
    make_provider(name="Alfa Skydd AB")
    db_session.commit()
    as_role("social_worker")
    response = client.get("/providers/")
    assert response.status_code == 200
    assert "Alfa Skydd AB" in response.get_data(as_text=True)


def test_what_a_test_commits_is_gone_for_the_next_one(app):
    """Both halves in one test, so the proof does not depend on test order: a commit inside the
    per-test session is visible there, and invisible to the next session and to the database."""
    import uuid

    from sqlalchemy import select

    from tests.conftest import rolled_back_session
    from vendor_registry.extensions import db
    from vendor_registry.providers.models import Provider

    name = f"Läcker inte {uuid.uuid4().hex[:8]} AB"
    query = select(Provider.id).where(Provider.name == name)
    with rolled_back_session(app) as first:
        make_provider(name=name)
        first.commit()
        assert first.scalar(query) is not None  # the commit really happened inside the test
    with rolled_back_session(app) as second:
        assert second.scalar(query) is None
    with app.app_context(), db.engine.connect() as connection:
        assert connection.scalar(query) is None


def test_kind_filter_uses_the_code_list(db_session):
    from sqlalchemy import select

    from vendor_registry.database import has_code
    from vendor_registry.providers.models import Provider

    hvb = make_provider(kinds=["hvb", "protected_housing"])
    make_provider(kinds=["outpatient"])
    found = db_session.scalars(select(Provider).where(has_code(Provider.kinds, "hvb"))).all()
    assert found == [hvb]
