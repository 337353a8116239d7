"""Municipal single sign-on against a real OpenID Connect provider on loopback.

The provider is oidc-provider-mock in a thread (tests/conftest.py); the app is a second app on
the suite's migrated database with single sign-on configured, so every test runs on SQLite and,
with TEST_DATABASE_URL, on PostgreSQL. The browser's part (following redirects, the provider's
form) is done here with plain HTTP: ``requests`` posts the provider's form, the Flask test
client carries the app's session. tests/browser/test_sso.py does the same in Chromium.
"""
from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.conftest import FreshRequestClient, make_test_app, rolled_back_session
from tests.factories import make_user
from vendor_registry.auth.models import SignIn, User
from vendor_registry.extensions import db

CLIENT_ID = "utforarregistret"
BROWSER = {"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "Testwebbläsare/2.0"}


@pytest.fixture(scope="session")
def sso_app(app, oidc_provider, tmp_path_factory):
    """The app with single sign-on on, over the same (already migrated) database as ``app``."""
    application = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp("sso") / "instance",
                                OIDC_DISCOVERY_URL=oidc_provider, OIDC_CLIENT_ID=CLIENT_ID,
                                OIDC_CLIENT_SECRET="hemligt-i-testet")
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def sso_db(sso_app):
    with rolled_back_session(sso_app) as session:
        yield session


@pytest.fixture
def sso_client(sso_app, sso_db):
    sso_app.test_client_class = FreshRequestClient
    return sso_app.test_client()


def set_claims(provider: str, sub: str, claims: dict) -> None:
    response = requests.put(f"{provider}/users/{quote(sub, safe='')}", json=claims, timeout=10)
    assert response.status_code == 204


def authorise(client, provider: str, sub: str, start: str = "/login/oidc"):
    """Start the login in the app, sign in as ``sub`` on the provider's form, return the
    app's answer to the callback (and the authorisation request's parameters)."""
    begun = client.get(start, environ_base=BROWSER)
    assert begun.status_code == 302, begun.get_data(as_text=True)[:300]
    authorisation = begun.headers["Location"]
    assert authorisation.startswith(provider + "/oauth2/authorize?")
    answer = requests.post(authorisation, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    back = answer.headers["Location"]
    assert back.startswith("http://localhost/login/oidc/callback?")
    params = {key: values[0] for key, values in parse_qs(urlsplit(authorisation).query).items()}
    return client.get(back, environ_base=BROWSER), params


def sso_rows(session):
    return session.scalars(select(SignIn).where(SignIn.method == "oidc").order_by(SignIn.id)).all()


def page_after(client, response) -> str:
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_provider_login_maps_the_email_claim_to_the_existing_user(sso_client, sso_db, oidc_provider):
    chef = make_user("supervisor", email="chef@kommun.example.org", name="Chef Chefsson")
    sso_db.commit()
    set_claims(oidc_provider, "kommun-4711", {"email": "Chef@Kommun.example.org", "name": "C. Chefsson"})

    response, params = authorise(sso_client, oidc_provider, "kommun-4711")

    # the request to the provider carried PKCE (S256), state and nonce
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"] and params["client_id"] == CLIENT_ID
    assert set(params["scope"].split()) >= {"openid", "email"}
    assert response.status_code == 302 and response.headers["Location"].endswith("/start")
    start = sso_client.get("/start")
    assert start.status_code == 200 and "Chef Chefsson" in start.get_data(as_text=True)
    assert sso_client.get("/flags/").status_code == 200  # the supervisor's own page: the role is the account's
    [row] = sso_rows(sso_db)
    assert (row.email, row.outcome, row.succeeded, row.user_id) == ("chef@kommun.example.org", "ok", True, chef.id)
    assert (row.address, row.user_agent) == ("192.0.2.44", "Testwebbläsare/2.0")
    assert sso_db.get(User, chef.id).last_login_at is not None
    log = sso_client.get("/audit/sign-ins").get_data(as_text=True)  # supervisors read the sign-in log
    assert "<td>Kommunens konto</td>" in log


def test_an_unknown_account_is_refused_in_swedish_and_logged(sso_client, sso_db, oidc_provider):
    accounts = sso_db.scalar(select(db.func.count()).select_from(User))
    set_claims(oidc_provider, "kommun-okand", {"email": "okand@kommun.example.org"})

    response, _params = authorise(sso_client, oidc_provider, "kommun-okand")

    assert response.headers["Location"].endswith("/login")
    page = page_after(sso_client, response)
    assert "det finns inget konto i registret för dig" in page and "okand@kommun.example.org" in page
    assert sso_client.get("/start").status_code == 302  # not signed in
    [row] = sso_rows(sso_db)
    assert (row.email, row.outcome, row.succeeded, row.user_id) == ("okand@kommun.example.org", "unknown_email",
                                                                    False, None)
    assert sso_db.scalar(select(db.func.count()).select_from(User)) == accounts  # nobody provisioned


def test_an_inactive_account_is_refused(sso_client, sso_db, oidc_provider):
    gone = make_user("admin", email="slutat@kommun.example.org", active=False)
    sso_db.commit()

    response, _params = authorise(sso_client, oidc_provider, "slutat@kommun.example.org")

    assert "Ditt konto i registret är inaktiverat" in page_after(sso_client, response)
    assert sso_client.get("/start").status_code == 302
    [row] = sso_rows(sso_db)
    assert (row.outcome, row.succeeded, row.user_id) == ("inactive", False, gone.id)


def test_an_unverified_email_is_not_trusted(sso_client, sso_db, oidc_provider):
    make_user("admin", email="overtagen@kommun.example.org")
    sso_db.commit()
    set_claims(oidc_provider, "kommun-ny", {"email": "overtagen@kommun.example.org", "email_verified": False})

    response, _params = authorise(sso_client, oidc_provider, "kommun-ny")

    assert "har inte bekräftat e-postadressen" in page_after(sso_client, response)
    assert sso_client.get("/start").status_code == 302
    assert [row.outcome for row in sso_rows(sso_db)] == ["sso_error"]


def test_the_subject_claim_maps_to_the_subject_stored_on_the_user(sso_app, sso_client, sso_db, oidc_provider,
                                                                  monkeypatch):
    monkeypatch.setitem(sso_app.config, "OIDC_USER_CLAIM", "sub")
    officer = make_user("procurement_officer", email="inkop@kommun.example.org", oidc_subject="S-1-5-21-77")
    sso_db.commit()
    # the provider's e-mail for this person is another one: the subject decides
    set_claims(oidc_provider, "S-1-5-21-77", {"email": "annan.adress@kommun.example.org"})

    response, _params = authorise(sso_client, oidc_provider, "S-1-5-21-77")
    assert response.headers["Location"].endswith("/start")
    assert sso_client.post("/logout").status_code == 302

    refused, _params = authorise(sso_client, oidc_provider, "S-1-5-21-78")
    assert "S-1-5-21-78" in page_after(sso_client, refused)
    assert [(r.email, r.outcome, r.user_id) for r in sso_rows(sso_db)] == [
        ("inkop@kommun.example.org", "ok", officer.id), ("S-1-5-21-78", "unknown_subject", None)]


def test_a_callback_with_another_state_is_refused_without_an_error_page(sso_client, sso_db, oidc_provider):
    make_user("admin", email="admin@kommun.example.org")
    sso_db.commit()
    begun = sso_client.get("/login/oidc")
    real_state = parse_qs(urlsplit(begun.headers["Location"]).query)["state"][0]
    answer = requests.post(begun.headers["Location"], data={"sub": "admin@kommun.example.org"},
                           allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]

    # a valid code, but with a state this session never sent (a forged or replayed callback)
    forged = sso_client.get(f"/login/oidc/callback?code={code}&state=not-{real_state}", environ_base=BROWSER)
    assert forged.status_code == 302 and forged.headers["Location"].endswith("/login")
    assert "svaret var ogiltigt eller för gammalt" in page_after(sso_client, forged)
    for query in ("", "?code=abc", "?state=x&code=", "?state=%00&code=%ff"):
        bare = sso_client.get(f"/login/oidc/callback{query}")
        assert bare.status_code == 302 and bare.headers["Location"].endswith("/login"), query
    assert sso_client.get("/start").status_code == 302
    assert [(r.email, r.outcome, r.succeeded) for r in sso_rows(sso_db)] == [("", "sso_error", False)] * 5


def test_unfinished_logins_do_not_pile_up_in_the_session(sso_client, sso_db, oidc_provider):
    make_user("admin", email="klickar@kommun.example.org")
    sso_db.commit()
    for _ in range(6):
        assert sso_client.get("/login/oidc").status_code == 302
    with sso_client.session_transaction() as stored:
        assert len([key for key in stored if key.startswith("_state_")]) == 3
    response, _params = authorise(sso_client, oidc_provider, "klickar@kommun.example.org")  # the newest works
    assert response.headers["Location"].endswith("/start")


def test_a_refusal_at_the_provider_is_explained(sso_client, sso_db, oidc_provider):
    begun = sso_client.get("/login/oidc")
    denied = requests.post(begun.headers["Location"], data={"action": "deny"}, allow_redirects=False, timeout=10)
    assert "error=access_denied" in denied.headers["Location"]

    response = sso_client.get(denied.headers["Location"])

    assert "avbröts eller nekades" in page_after(sso_client, response)
    assert [r.outcome for r in sso_rows(sso_db)] == ["sso_error"]


def test_the_page_asked_for_is_kept_through_the_provider(sso_client, sso_db, oidc_provider):
    make_user("social_worker", email="soc@kommun.example.org")
    sso_db.commit()
    response, _params = authorise(sso_client, oidc_provider, "soc@kommun.example.org", start="/login/oidc?next=/providers/")
    assert response.headers["Location"].endswith("/providers/")
    sso_client.post("/logout")
    response, _params = authorise(sso_client, oidc_provider, "soc@kommun.example.org",
                                  start="/login/oidc?next=//elsewhere.example.org/")
    assert response.headers["Location"].endswith("/start")


def test_logout_ends_the_provider_session_when_the_login_began_there(sso_app, sso_client, sso_db, oidc_provider,
                                                                     monkeypatch):
    user = make_user("admin", email="admin2@kommun.example.org")
    sso_db.commit()
    authorise(sso_client, oidc_provider, user.email)

    out = sso_client.post("/logout")
    end_session = urlsplit(out.headers["Location"])
    params = parse_qs(end_session.query)
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == oidc_provider + "/oauth2/end_session"
    assert params["post_logout_redirect_uri"] == ["http://localhost/login"] and params["id_token_hint"][0].count(".") == 2
    assert sso_client.get("/start").status_code == 302  # the local session is over either way

    monkeypatch.setitem(sso_app.config, "OIDC_PROVIDER_LOGOUT", False)
    authorise(sso_client, oidc_provider, user.email)
    assert sso_client.post("/logout").headers["Location"].endswith("/login")
    # a password login never leads to the provider
    monkeypatch.setitem(sso_app.config, "OIDC_PROVIDER_LOGOUT", True)
    from tests.factories import DEFAULT_PASSWORD

    assert sso_client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    assert sso_client.post("/logout").headers["Location"].endswith("/login")
    assert [r.method for r in sso_db.scalars(select(SignIn).order_by(SignIn.id))] == ["oidc", "oidc", "password"]


def test_the_login_page_shows_the_configured_button(sso_app, sso_client, monkeypatch):
    page = sso_client.get("/login?next=/flags/").get_data(as_text=True)
    assert "Logga in med kommunens konto" in page and 'href="/login/oidc?next=/flags/"' in page
    assert "<script" not in page.split('id="sso"')[1].split("</div>")[0]  # a plain link: fine under any CSP
    monkeypatch.setitem(sso_app.config, "OIDC_BUTTON_LABEL", "Logga in med Exempelstads e-tjänstekonto")
    assert "Logga in med Exempelstads e-tjänstekonto" in sso_client.get("/login").get_data(as_text=True)


def test_sso_is_off_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "kommunens konto" not in page and "/login/oidc" not in page
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def _start_against(app, tmp_path, discovery_url: str) -> str:
    """Click the button on an app whose provider is at ``discovery_url``; the login page after."""
    other = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance", OIDC_DISCOVERY_URL=discovery_url,
                          OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET="x", OIDC_TIMEOUT=2.0)
    try:
        client = other.test_client()
        response = client.get("/login/oidc")
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        return client.get("/login").get_data(as_text=True)
    finally:
        with other.app_context():
            db.engine.dispose()


def test_an_unreachable_provider_is_a_message_not_an_error(app, closed_port_url, tmp_path):
    assert "Kommunens inloggningstjänst kunde inte nås" in _start_against(app, tmp_path, closed_port_url)


def test_a_discovery_document_naming_another_issuer_is_not_trusted(app, httpserver, tmp_path):
    elsewhere = "https://idp.elsewhere.example"
    httpserver.expect_request("/.well-known/openid-configuration").respond_with_json({
        "issuer": elsewhere, "authorization_endpoint": elsewhere + "/authorize", "token_endpoint": elsewhere + "/token",
        "jwks_uri": elsewhere + "/jwks", "response_types_supported": ["code"]})
    page = _start_against(app, tmp_path, httpserver.url_for("/"))
    assert "Inloggningen via kommunens konto är felaktigt inställd" in page


@pytest.mark.parametrize("partial", [{"OIDC_DISCOVERY_URL": "https://idp.example.org"},
                                     {"OIDC_CLIENT_ID": "x", "OIDC_CLIENT_SECRET": "y"}])
def test_half_a_configuration_refuses_to_start(app, tmp_path, partial):
    with pytest.raises(RuntimeError, match="half configured"):
        make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance", **partial)


def test_refused_provider_answers_count_towards_the_address_throttle(sso_app, sso_client, sso_db):
    """Each refused answer from the provider is a failure of the client address: once the address
    has used up its attempts, the callback refuses before it even reads the answer."""
    from vendor_registry.auth import throttle

    before = sso_app.config["LOGIN_ADDRESS_LIMIT"]
    sso_app.config["LOGIN_ADDRESS_LIMIT"] = "2 per 15 minutes"
    try:
        with sso_app.app_context():
            throttle.forget_addresses()
        for _ in range(2):
            refused = sso_client.get("/login/oidc/callback?state=forged&code=x", environ_base=BROWSER)
            assert "svaret var ogiltigt eller för gammalt" in page_after(sso_client, refused)
        third = sso_client.get("/login/oidc/callback?state=forged&code=x", environ_base=BROWSER)
        assert third.status_code == 302 and third.headers["Location"].endswith("/login")
        assert "För många misslyckade inloggningsförsök från din dator" in page_after(sso_client, third)
    finally:
        sso_app.config["LOGIN_ADDRESS_LIMIT"] = before
        with sso_app.app_context():
            throttle.forget_addresses()
