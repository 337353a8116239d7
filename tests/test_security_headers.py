"""Security headers on every kind of answer: a page, an error page, the API (JSON and problem
documents), static files and downloads (CSV/XLSX export, evidence files); HTTPS forcing and
HSTS only where the configuration asks (production), never over plain HTTP in tests.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from config import load_config
from tests.factories import make_provider, make_user
from vendor_registry import create_app
from vendor_registry.auth import tokens

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _csp(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request.path}"
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def assert_page_headers(response) -> None:
    """The app-wide policy: only our own files, no inline code, no framing."""
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["form-action"] == "'self'" and csp["base-uri"] == "'self'"
    assert_common_headers(response)


def assert_common_headers(response) -> None:
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    # Testing speaks plain HTTP: no HSTS that would pin 127.0.0.1 to HTTPS.
    assert "Strict-Transport-Security" not in response.headers


def assert_download_headers(response) -> None:
    """A download is never a page of ours: nothing in it may run, load or be framed."""
    csp = _csp(response)
    assert csp["default-src"] == "'none'" and "sandbox" in csp and csp["frame-ancestors"] == "'none'"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert_common_headers(response)


def _bearer(role: str = "procurement_officer") -> dict[str, str]:
    _token, plain = tokens.create_token(make_user(role=role), "headers test")
    return {"Authorization": f"Bearer {plain}"}


def test_login_page_and_a_logged_in_page(client, as_role):
    assert_page_headers(client.get("/login"))
    as_role("supervisor")
    response = client.get("/start")
    assert response.status_code == 200
    assert_page_headers(response)


def test_error_pages(client, as_role):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Sidan finns inte" in missing.get_data(as_text=True)
    assert_page_headers(missing)
    as_role("social_worker")
    forbidden = client.get("/admin/")
    assert forbidden.status_code == 403
    assert_page_headers(forbidden)


def test_api_json_and_problem_documents(client, db_session):
    headers = _bearer()
    provider = make_provider()
    db_session.commit()
    ok = client.get(f"/api/v1/providers/{provider.org_number}", headers=headers)
    assert ok.status_code == 200 and ok.mimetype == "application/json"
    assert_page_headers(ok)
    for response in (client.get("/api/v1/providers"),  # no token: 401
                     client.get("/api/v1/providers/5560160680", headers=headers)):  # 404
        assert response.mimetype == "application/problem+json"
        assert_page_headers(response)


def test_static_files(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert_page_headers(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports(client, as_role, db_session, fmt):
    make_provider()
    db_session.commit()
    as_role("procurement_officer")
    response = client.get(f"/providers/export.{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert_page_headers(response)


def test_evidence_downloads_page_and_api(client, as_role, db_session, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(tmp_path / "evidence"))
    provider = make_provider()
    db_session.commit()
    as_role("procurement_officer")
    uploaded = client.post(f"/providers/{provider.id}/evidence/new",
                           data={"document": (io.BytesIO(PDF), "intyg.pdf"), "description": "Intyg"},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302
    document_id = int(re.search(r"nr (\d+)", client.get(uploaded.location).get_data(as_text=True)).group(1))
    page = client.get(f"/evidence/{document_id}")
    assert page.status_code == 200 and page.data == PDF
    assert_download_headers(page)
    api = client.get(f"/api/v1/evidence/{document_id}/content", headers=_bearer())
    assert api.status_code == 200 and api.data == PDF
    assert_download_headers(api)


def test_talisman_keeps_the_configured_cookie_and_csrf(app, client, db_session):
    """Talisman would force Secure and its own SameSite; the configuration decides instead, so
    the session cookie still works over HTTP in testing and development."""
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["SESSION_COOKIE_HTTPONLY"]
    user = make_user(role="admin")
    db_session.commit()
    from tests.factories import DEFAULT_PASSWORD

    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/start").status_code == 200  # the cookie carries the session


def test_no_inline_script_style_or_handler_in_templates():
    """The policy forbids them; a template that brings one back would break in the browser
    (and the browser test would catch it only on the pages it visits)."""
    offenders = []
    pattern = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.IGNORECASE)
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offenders, "inline code the Content-Security-Policy blocks:\n" + "\n".join(offenders)


# --- production: HTTPS forcing and HSTS follow the configuration --------------------------

def _production_app(tmp_path, **extra):
    settings = load_config({"APP_ENV": "production", "SECRET_KEY": "k" * 64,
                            "DATABASE_URL": f"sqlite:///{tmp_path}/prod.db",
                            # production refuses a per-process rate-limit store (nothing is counted here)
                            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"})
    settings.update({"INSTANCE_PATH": str(tmp_path / "instance"), **extra})
    return create_app(settings)


def test_production_redirects_http_to_https_and_sends_hsts(tmp_path):
    app = _production_app(tmp_path)
    client = app.test_client()
    plain = client.get("/login", base_url="http://registry.kommun.example")
    assert plain.status_code in (301, 302)
    assert plain.location == "https://registry.kommun.example/login"
    secure = client.get("/login", base_url="https://registry.kommun.example")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == f"max-age={app.config['HSTS_MAX_AGE']}"
    assert "Secure" in secure.headers["Set-Cookie"]  # the production cookie setting is kept
    assert "unsafe-inline" not in secure.headers["Content-Security-Policy"]
    assert secure.headers["X-Frame-Options"] == "DENY" and secure.headers["X-Content-Type-Options"] == "nosniff"


def test_production_behind_a_proxy_reads_the_forwarded_scheme_and_host(tmp_path):
    app = _production_app(tmp_path, PROXY_COUNT=1)
    client = app.test_client()
    forwarded = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "registry.kommun.example"})
    assert forwarded.status_code == 200  # the proxy spoke HTTPS to the browser: no redirect
    assert "Strict-Transport-Security" in forwarded.headers
    plain = client.get("/login", headers={"X-Forwarded-Proto": "http", "X-Forwarded-Host": "registry.kommun.example"})
    assert plain.location == "https://registry.kommun.example/login"  # ProxyFix gave the public host


def test_production_without_forcing_follows_the_configuration(tmp_path):
    app = _production_app(tmp_path, FORCE_HTTPS=False, HSTS_MAX_AGE=0)
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert "Strict-Transport-Security" not in client.get("/login", base_url="https://localhost").headers


def test_environment_sets_the_limits_and_types():
    settings = load_config({"APP_ENV": "production", "FORCE_HTTPS": "false", "PROXY_COUNT": "2",
                            "EVIDENCE_ALLOWED_TYPES": "application/pdf, image/png", "EXTRACT_MAX_ROWS": "100"})
    assert settings["FORCE_HTTPS"] is False and settings["PROXY_COUNT"] == 2
    assert settings["EVIDENCE_ALLOWED_TYPES"] == ("application/pdf", "image/png")
    assert settings["EXTRACT_MAX_ROWS"] == 100
    assert load_config({"APP_ENV": "production"})["FORCE_HTTPS"] is True
    assert load_config({"APP_ENV": "development"})["FORCE_HTTPS"] is False


def test_an_evidence_type_the_content_cannot_prove_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="EVIDENCE_ALLOWED_TYPES"):
        create_app({"APP_ENV": "testing", "INSTANCE_PATH": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db",
                    "EVIDENCE_ALLOWED_TYPES": ("application/pdf", "text/html")})


def test_single_sign_on_adds_only_the_provider_as_a_form_target(tmp_path):
    """The logout's redirect to the provider's end-session address is a form target; nothing
    else is added, and without single sign-on only the app itself is one."""
    from tests.conftest import make_test_app

    plain = make_test_app(f"sqlite:///{tmp_path}/a.db", tmp_path / "a")
    sso = make_test_app(f"sqlite:///{tmp_path}/b.db", tmp_path / "b",
                        OIDC_DISCOVERY_URL="https://login.kommun.example/realms/staff",
                        OIDC_CLIENT_ID="registret", OIDC_CLIENT_SECRET="hemligt")

    def form_action(app):
        policy = app.test_client().get("/login").headers["Content-Security-Policy"]
        return next(part.strip() for part in policy.split(";") if part.strip().startswith("form-action"))

    assert form_action(plain) == "form-action 'self'"
    assert form_action(sso) == "form-action 'self' https://login.kommun.example"
