"""Automatic checks started and read through the API, against a real local source over HTTP.

The same runner as the page's "run now" button; an unreachable source is an ``error`` result,
never a verdict, and the licence is left as it was.
"""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_problem
from tests.background_checks.conftest import (  # noqa: F401 (fixtures)
    IVO_PATH,
    evidence_dir,
    ivo_page,
    serve_robots,
    solglantan,
    sources,
)
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence

URL = "/api/v1/providers/559300-0127/checks/run"


def test_run_an_ivo_check_and_read_it(client, sources, solglantan, httpserver, headers_for):  # noqa: F811
    _provider, licence = solglantan
    serve_robots(httpserver)
    httpserver.expect_request(IVO_PATH).respond_with_data(ivo_page("valid.html"), content_type="text/html")
    sources.ivo(httpserver)
    officer = headers_for("procurement_officer")
    response = client.post(URL, headers=officer, json={"type": "ivo_register"})
    assert response.status_code == 201, response.get_data(as_text=True)
    check = response.get_json()
    assert check["type"] == "ivo_register" and check["automatic"] is True and check["result"] == "pass"
    assert check["evidence_document"] and check["source_url"].startswith(httpserver.url_for(IVO_PATH))
    assert check["next_due"]
    assert len(httpserver.log) >= 1  # it really asked the source

    read = client.get(f"/api/v1/checks/{check['id']}", headers=headers_for("supervisor"))
    assert read.status_code == 200 and read.get_json()["summary"] == check["summary"]
    raw = client.get(f"/api/v1/evidence/{check['evidence_document']}/content", headers=officer)
    assert raw.status_code == 200 and b"10234" in raw.data  # the source's own answer, kept
    db.session.expire_all()
    assert db.session.get(Licence, licence.id).last_verified_at is not None


def test_unreachable_source_is_an_error_result_not_a_verdict(client, sources, solglantan, closed_port_url,  # noqa: F811
                                                              headers_for):
    _provider, licence = solglantan
    before = (licence.status, licence.last_verified_at)
    sources.ivo(closed_port_url)
    response = client.post(URL, headers=headers_for("supervisor"), json={"type": "ivo_register"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["result"] == "error"
    db.session.expire_all()
    fresh = db.session.get(Licence, licence.id)
    assert (fresh.status, fresh.last_verified_at) == before


def test_not_configured_is_409_and_records_nothing(client, sources, solglantan, headers_for):  # noqa: F811
    provider, _licence = solglantan
    problem = assert_problem(client.post(URL, headers=headers_for("admin"), json={"type": "company_registry"}), 409)
    assert "Inte konfigurerad" in problem["detail"]
    assert db.session.scalar(db.select(db.func.count()).select_from(BackgroundCheck)
                             .where(BackgroundCheck.provider_id == provider.id)) == 0


def test_only_automatic_types_and_only_recording_roles(client, sources, solglantan, headers_for):  # noqa: F811
    manual = assert_problem(client.post(URL, headers=headers_for("admin"), json={"type": "tax_registration"}), 422)
    assert manual["errors"][0]["field"] == "type"
    assert_problem(client.post(URL, headers=headers_for("social_worker"), json={"type": "ivo_register"}), 403)
    assert_problem(client.post("/api/v1/providers/000000-0000/checks/run", headers=headers_for("admin"),
                               json={"type": "ivo_register"}), 404)


@pytest.mark.parametrize("role,status", [("admin", 200), ("supervisor", 200), ("social_worker", 403)])
def test_reading_a_check_needs_check_details(client, db_session, headers_for, role, status):
    from tests.factories import make_check, make_provider

    check = make_check(make_provider())
    db_session.commit()
    assert client.get(f"/api/v1/checks/{check.id}", headers=headers_for(role)).status_code == status
