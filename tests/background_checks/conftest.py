"""Fixtures for the background-check app tests: evidence folders, fake sources on loopback.

The sources are real HTTP servers (pytest-httpserver) serving the pages and JSON answers the
checks engineer recorded in tests/data; the app is pointed at them through its config.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from vendor_registry.database import utcnow

DATA = Path(__file__).resolve().parent.parent / "data"
IVO_PATH = "/register/sok"
BV_API = "/vardefulla-datamangder/v1"
BV_TOKEN = "/oauth2/token"
#: Fast but real: short timeouts, tiny backoff, no waiting on rate limits in tests.
FAST = {"CHECKS_CONNECT_TIMEOUT": 1.0, "CHECKS_READ_TIMEOUT": 0.5, "CHECKS_RETRIES": 2,
        "CHECKS_BACKOFF": 0.01, "CHECKS_TOTAL_TIMEOUT": 10.0,
        "IVO_REGISTER_REQUESTS_PER_MINUTE": 60000, "BOLAGSVERKET_REQUESTS_PER_MINUTE": 60000}
SOURCE_KEYS = ("IVO_REGISTER_URL", "BOLAGSVERKET_API_URL", "BOLAGSVERKET_TOKEN_URL",
               "BOLAGSVERKET_CLIENT_ID", "BOLAGSVERKET_CLIENT_SECRET")


def ivo_page(name: str) -> str:
    return (DATA / "ivo" / name).read_text(encoding="utf-8")


def bv_json(name: str) -> str:
    return (DATA / "bolagsverket" / name).read_text(encoding="utf-8")




@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(folder))
    return folder


@pytest.fixture
def sources(app, monkeypatch, evidence_dir):
    """No source configured, fast session settings; tests point the sources where they need."""
    for key in SOURCE_KEYS:
        monkeypatch.setitem(app.config, key, None)
    for key, value in FAST.items():
        monkeypatch.setitem(app.config, key, value)

    class Sources:
        def ivo(self, server_or_url) -> None:
            base = server_or_url if isinstance(server_or_url, str) else server_or_url.url_for("")
            monkeypatch.setitem(app.config, "IVO_REGISTER_URL",
                                base.rstrip("/") + IVO_PATH + "?orgnr={org_number_formatted}")

        def bolagsverket(self, server_or_url) -> None:
            base = (server_or_url if isinstance(server_or_url, str) else server_or_url.url_for("")).rstrip("/")
            monkeypatch.setitem(app.config, "BOLAGSVERKET_API_URL", base + BV_API)
            monkeypatch.setitem(app.config, "BOLAGSVERKET_TOKEN_URL", base + BV_TOKEN)
            monkeypatch.setitem(app.config, "BOLAGSVERKET_CLIENT_ID", "client-abc")
            monkeypatch.setitem(app.config, "BOLAGSVERKET_CLIENT_SECRET", "s3cret")

    return Sources()


def serve_robots(server: HTTPServer) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /admin/\n",
                                                           content_type="text/plain")


def serve_bolagsverket(server: HTTPServer, answer_name: str, status: int = 200) -> None:
    def token(request: Request) -> Response:
        return Response(json.dumps({"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}),
                        content_type="application/json")

    server.expect_request(BV_TOKEN, method="POST").respond_with_handler(token)
    server.expect_request(f"{BV_API}/organisationer", method="POST").respond_with_data(
        bv_json(answer_name), status=status, content_type="application/json")




@pytest.fixture
def solglantan(db_session):
    """The provider of tests/data/ivo/valid.html and bolagsverket/active.json, with its HVB permit."""
    from tests.factories import make_licence, make_provider

    provider = make_provider(org_number="5593000127", name="Solgläntan Omsorg AB", kinds=["hvb"])
    licence = make_licence(provider, kind="hvb", ivo_reference="3.5.1-10234/2019", status="valid",
                           last_verified_at=utcnow() - timedelta(days=90))
    db_session.commit()
    return provider, licence


@pytest.fixture
def havsbris(db_session):
    """The provider whose permit tests/data/ivo/revoked.html shows as revoked."""
    from tests.factories import make_licence, make_provider

    provider = make_provider(org_number="5593000242", name="Havsbris Behandling AB", kinds=["hvb"])
    licence = make_licence(provider, kind="hvb", ivo_reference="3.5.1-08812/2020", status="valid",
                           last_verified_at=utcnow() - timedelta(days=90))
    db_session.commit()
    return provider, licence
