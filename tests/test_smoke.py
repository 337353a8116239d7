from tests.factories import make_provider


def test_login_and_list(client, as_role, db_session):
    make_provider(name="Alfa Skydd AB")
    db_session.commit()
    as_role("social_worker")
    response = client.get("/providers/")
    assert response.status_code == 200
    assert "Alfa Skydd AB" in response.get_data(as_text=True)


def test_isolation_part_one_commits(db_session):
    make_provider(name="Läcker inte AB")
    db_session.commit()


def test_isolation_part_two_sees_nothing_from_part_one(db_session):
    from sqlalchemy import select

    from vendor_registry.providers.models import Provider

    assert db_session.scalar(select(Provider).where(Provider.name == "Läcker inte AB")) is None


def test_kind_filter_uses_the_code_list(db_session):
    from sqlalchemy import select

    from vendor_registry.database import has_code
    from vendor_registry.providers.models import Provider

    hvb = make_provider(kinds=["hvb", "protected_housing"])
    make_provider(kinds=["outpatient"])
    found = db_session.scalars(select(Provider).where(has_code(Provider.kinds, "hvb"))).all()
    assert found == [hvb]
