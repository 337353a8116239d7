"""Bad input never becomes a 500: malformed JSON 400, wrong media type 415, oversized 413,
invalid fields 422 with a field list, unknown routes 404, wrong methods 405 — all problem+json."""
from __future__ import annotations

from tests.api.conftest import assert_problem


def test_malformed_json_is_400(client, db_session, headers_for):
    response = client.post("/api/v1/providers", data='{"name": "Halv', content_type="application/json",
                           headers=headers_for())
    body = assert_problem(response, 400)
    assert "JSON" in body["detail"]


def test_json_that_is_not_an_object_is_422(client, db_session, headers_for):
    headers = headers_for()
    for payload in ("[]", '"text"', "42", "null"):
        response = client.post("/api/v1/providers", data=payload, content_type="application/json", headers=headers)
        assert response.status_code in (400, 422), payload
        assert response.mimetype == "application/problem+json"


def test_body_that_is_not_json_is_415(client, db_session, headers_for):
    response = client.post("/api/v1/providers", data={"name": "Form AB"}, headers=headers_for())
    assert_problem(response, 415)


def test_oversized_body_is_413(client, db_session, headers_for, app):
    headers = headers_for()
    limit = app.config.get("API_MAX_CONTENT_LENGTH", 256 * 1024)
    payload = '{"name": "' + "x" * (limit + 10) + '"}'
    response = client.post("/api/v1/providers", data=payload, content_type="application/json", headers=headers)
    body = assert_problem(response, 413)
    assert body["detail"]


def test_invalid_fields_are_422_with_a_swedish_field_list(client, db_session, headers_for):
    response = client.post("/api/v1/providers", headers=headers_for(), json={
        "org_number": "556016-0680", "name": "", "kinds": [], "ownership": "state", "county": "99",
        "capacity": -1, "contact_email": "inte-en-adress",
    })
    body = assert_problem(response, 422)
    assert body["title"] == "Ogiltiga uppgifter"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"name", "kinds", "ownership", "county", "capacity", "contact_email"}
    assert fields["contact_email"] == "Ange en giltig e-postadress."
    assert fields["capacity"] == "Ange ett tal mellan 0 och 10000."
    assert fields["ownership"].startswith("Ogiltigt värde.")


def test_wrong_types_are_422_not_500(client, db_session, headers_for):
    headers = headers_for()
    for body in ({"name": 5}, {"kinds": "hvb"}, {"capacity": "many"}, {"capacity": 10**40},
                 {"languages": ["a|b"]}, {"kinds": [None]}):
        full = {"org_number": "556016-0680", "name": "Typ AB", "kinds": ["hvb"], "ownership": "private",
                "county": "01", **body}
        response = client.post("/api/v1/providers", json=full, headers=headers)
        assert_problem(response, 422)


def test_unknown_route_and_wrong_method(client, db_session, headers_for):
    headers = headers_for()
    assert_problem(client.get("/api/v1/nothing-here", headers=headers), 404)
    response = client.delete("/api/v1/providers", headers=headers)
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    page = client.delete("/login")
    assert page.status_code == 405 and page.mimetype == "text/html"
    assert "Metoden är inte tillåten" in page.get_data(as_text=True)  # the app's own error page


def test_huge_ids_in_paths_are_404(client, db_session, headers_for):
    assert_problem(client.post("/api/v1/tokens/99999999999999999999/revoke", headers=headers_for()), 404)


def test_html_pages_still_get_html_errors(client, db_session):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
