"""Error pages are pages (Swedish, with the layout), API errors are problem documents."""
from tests.conftest import make_test_app


def _app_with_failing_route(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/e.db", tmp_path / "inst", PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @app.route("/boom")
    def boom():  # pragma: no cover - body raises
        raise RuntimeError("kaboom")

    boom.access_rule = "public"

    @app.route("/api/v1/boom")
    def api_boom():
        raise RuntimeError("kaboom")

    api_boom.access_rule = "public"
    return app


def test_unexpected_error_is_a_swedish_page_without_details(tmp_path):
    client = _app_with_failing_route(tmp_path).test_client()
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Ett oväntat fel uppstod" in body and "kaboom" not in body and "Traceback" not in body


def test_api_errors_are_problem_documents(tmp_path):
    client = _app_with_failing_route(tmp_path).test_client()
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 500
