from tests.factories import make_provider


def test_login_and_list(client, as_role, db_session):
    make_provider(name="Alfa Skydd AB")
    db_session.commit()
    as_role("social_worker")
    response = client.get("/providers/")
    assert response.status_code == 200
    assert "Alfa Skydd AB" in response.get_data(as_text=True)
