"""Bolagsverket client and checker against a local fake of the documented API."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from werkzeug import Request, Response

from checks.base import CheckStatus, CheckSubject
from checks.company_registry import (
    BolagsverketClient,
    CompanyRegistryChecker,
    assess_organisations,
)
from checks.http import RateLimiter

API = "/vardefulla-datamangder/v1"
TOKEN = "/oauth2/token"
ORG = "5593000127"


class FakeBolagsverket:
    """Token endpoint plus ``POST /organisationer``, recording what the client sent."""

    def __init__(self, server, lifetime=3600):
        self.server = server
        self.lifetime = lifetime
        self.token_forms: list[dict] = []
        self.api_calls: list[dict] = []
        server.expect_request(TOKEN, method="POST").respond_with_handler(self._token)

    def _token(self, request: Request) -> Response:
        self.token_forms.append(dict(request.form))
        body = {"access_token": f"tok-{len(self.token_forms)}", "token_type": "Bearer",
                "expires_in": self.lifetime, "scope": request.form.get("scope")}
        return Response(json.dumps(body), content_type="application/json")

    def answer(self, respond):
        """``respond(request, call_number) -> Response``; every call is recorded first."""

        def handler(request: Request) -> Response:
            self.api_calls.append({
                "auth": request.headers.get("Authorization"),
                "request_id": request.headers.get("X-Request-Id"),
                "content_type": request.headers.get("Content-Type"),
                "body": request.get_json(silent=True),
                "path": request.path, "query": request.query_string.decode(),
            })
            return respond(request, len(self.api_calls))

        self.server.expect_request(f"{API}/organisationer", method="POST").respond_with_handler(handler)

    def answer_json(self, payload, status=200):
        self.answer(lambda _r, _n: Response(json.dumps(payload), status=status,
                                            content_type="application/json"))

    def client(self, session, **kw):
        return BolagsverketClient(self.server.url_for(API), self.server.url_for(TOKEN),
                                  "client-abc", "s3cret", session=session, **kw)


@pytest.fixture
def fake(httpserver):
    return FakeBolagsverket(httpserver)


def _subject():
    return CheckSubject(ORG, "Solgläntan Omsorg AB")


# --- mapping of documented answers ------------------------------------------------------


@pytest.mark.parametrize("name, status, words", [
    ("active.json", CheckStatus.PASS, ["Registrerad hos Bolagsverket som Aktiebolag"]),
    ("bankruptcy.json", CheckStatus.FAIL, ["Konkurs (KK) sedan 2024-03-01"]),
    ("liquidation.json", CheckStatus.FAIL, ["Likvidation (LI) sedan 2023-05-05"]),
    ("deregistered.json", CheckStatus.FAIL, ["Avregistrerad hos Bolagsverket 2022-09-30", "orsak: Likvidation"]),
    ("reconstruction.json", CheckStatus.CONCERN, ["Företagsrekonstruktion (FR) sedan 2024-06-10"]),
    ("merger_taking_over.json", CheckStatus.PASS, ["ingen avregistrering"]),
    ("not_active.json", CheckStatus.CONCERN, ["Inte verksam enligt SCB"]),
    ("not_found.json", CheckStatus.FAIL,
     ["Organisationsnumret finns inte i Bolagsverkets register"]),
    ("sole_trader_two_businesses.json", CheckStatus.PASS, ["Enskild näringsidkare"]),
])
def test_documented_answers_map_to_verdicts(fake, fast_session, bv_json, name, status, words):
    fake.answer_json(bv_json(name))
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert result.status is status, result.summary
    for word in words:
        assert word in result.summary
    assert result.check_type == "company_registry"
    json.dumps(result.details)


def test_details_carry_the_structured_facts(fake, fast_session, bv_json):
    fake.answer_json(bv_json("bankruptcy.json"))
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    details = result.details
    assert details["name"] == "Havsbris Behandling AB"
    assert details["form"] == {"kod": "AB", "klartext": "Aktiebolag"}
    assert details["proceedings"] == [{"kod": "KK", "klartext": "Konkurs", "fromDatum": "2024-03-01"}]
    assert details["verksam"] == "JA"
    assert details["request_id"] == result.evidence.request_id


@pytest.mark.parametrize("name, words", [
    ("source_unavailable.json", ["OTILLGANGLIG_UPPGIFTSKALLA", "verksamhet"]),
    ("field_timeout.json", ["TIMEOUT", "pågående förfaranden"]),
])
def test_field_errors_are_errors_never_verdicts(fake, fast_session, bv_json, assert_no_verdict,
                                                name, words):
    fake.answer_json(bv_json(name))
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert_no_verdict(result, *words)
    assert result.details["request_id"]


@pytest.mark.parametrize("payload", [
    {}, {"organisationer": {}}, {"organisationer": []}, [1, 2],
    {"organisationer": [{"pagaendeAvvecklingsEllerOmstruktureringsforfarande": "KK"}]},
    {"organisationer": [{"fel": {"typ": "OGILTIG_BEGARAN", "felBeskrivning": "Fel"}}]},
])
def test_unexpected_shapes_are_errors(payload):
    status, summary, _ = assess_organisations(payload)
    assert status is CheckStatus.ERROR and summary


def test_not_found_in_one_field_only_is_not_a_failure(bv_json):
    payload = bv_json("active.json")
    payload["organisationer"][0]["verksamOrganisation"] = {
        "dataproducent": "SCB", "fel": {"typ": "ORGANISATION_FINNS_EJ", "felBeskrivning": "Saknas"}}
    status, _, details = assess_organisations(payload)
    assert status is CheckStatus.PASS
    assert details["organisations"][0]["field_errors"][0]["field"] == "verksamOrganisation"


def test_active_true_as_boolean_is_not_mistaken_for_nej(bv_json):
    payload = bv_json("active.json")
    payload["organisationer"][0]["verksamOrganisation"]["kod"] = False
    status, _, _ = assess_organisations(payload)
    assert status is CheckStatus.PASS  # only the string "NEJ" means not active


# --- token handling ---------------------------------------------------------------------


def test_token_is_requested_with_client_credentials_form(fake, fast_session, bv_json):
    fake.answer_json(bv_json("active.json"))
    CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert fake.token_forms == [{
        "grant_type": "client_credentials", "client_id": "client-abc", "client_secret": "s3cret",
        "scope": "vardefulla-datamangder:read vardefulla-datamangder:ping"}]
    assert fake.api_calls[0]["auth"] == "Bearer tok-1"


def test_token_is_cached_across_checks(fake, fast_session, bv_json):
    fake.answer_json(bv_json("active.json"))
    checker = CompanyRegistryChecker(fake.client(fast_session()))
    assert checker.check(_subject()).status is CheckStatus.PASS
    assert checker.check(_subject()).status is CheckStatus.PASS
    assert len(fake.token_forms) == 1
    assert [c["auth"] for c in fake.api_calls] == ["Bearer tok-1", "Bearer tok-1"]


def test_token_is_renewed_shortly_before_stated_expiry(httpserver, fast_session, bv_json):
    fake = FakeBolagsverket(httpserver, lifetime=120)
    fake.answer_json(bv_json("active.json"))
    now = [0.0]
    client = fake.client(fast_session(), clock=lambda: now[0])
    checker = CompanyRegistryChecker(client)
    checker.check(_subject())
    now[0] = 80.0  # still more than 30 s left of 120
    checker.check(_subject())
    now[0] = 95.0  # inside the 30 s margin
    checker.check(_subject())
    assert len(fake.token_forms) == 2
    assert [c["auth"] for c in fake.api_calls] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_expired_token_401_is_refreshed_once_then_succeeds(fake, fast_session, bv_json):
    def respond(request, _n):
        if request.headers.get("Authorization") == "Bearer tok-1":
            return Response(json.dumps({"title": "Unauthorized", "status": 401}), status=401,
                            content_type="application/problem+json")
        return Response(json.dumps(bv_json("active.json")), content_type="application/json")

    fake.answer(respond)
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert result.status is CheckStatus.PASS
    assert len(fake.token_forms) == 2
    assert len(result.details["request_ids"]) == 2
    assert result.evidence.request_id == fake.api_calls[-1]["request_id"]


def test_401_twice_is_an_error(fake, fast_session, assert_no_verdict):
    fake.answer(lambda _r, _n: Response(json.dumps({"title": "Unauthorized", "status": 401}),
                                        status=401, content_type="application/problem+json"))
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert_no_verdict(result, "HTTP 401")
    assert len(fake.api_calls) == 2 and len(fake.token_forms) == 2


def test_token_endpoint_refusal_is_an_error(httpserver, fast_session, assert_no_verdict):
    httpserver.expect_request(TOKEN, method="POST").respond_with_json(
        {"error": "invalid_client"}, status=401)
    client = BolagsverketClient(httpserver.url_for(API), httpserver.url_for(TOKEN), "id", "bad",
                                session=fast_session())
    result = CompanyRegistryChecker(client).check(_subject())
    assert_no_verdict(result, "token", "invalid_client")
    assert result.details["token_status"] == 401
    assert "bad" not in json.dumps(result.details) and "bad" not in repr(client)
    assert not any(r.path.endswith("/organisationer") for r, _ in httpserver.log)


# --- request shape ----------------------------------------------------------------------


def test_number_goes_in_body_with_request_id_kept(fake, fast_session, bv_json):
    fake.answer_json(bv_json("active.json"))
    result = CompanyRegistryChecker(fake.client(fast_session())).check(
        CheckSubject("559300-0127", "Solgläntan Omsorg AB"))
    call = fake.api_calls[0]
    assert call["body"] == {"identitetsbeteckning": "5593000127"}
    assert ORG not in call["path"] and ORG not in call["query"]
    assert call["content_type"].startswith("application/json")
    assert str(uuid.UUID(call["request_id"])) == call["request_id"]
    assert result.evidence.request_id == call["request_id"]
    assert result.details["request_id"] == call["request_id"]
    assert json.loads(result.evidence.raw)["organisationer"]


def test_requests_are_throttled_by_the_sessions_limiter(fake, fast_session, bv_json):
    sleeps: list[float] = []
    now = [0.0]

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(60, clock=lambda: now[0], sleep=sleep)
    fake.answer_json(bv_json("active.json"))
    checker = CompanyRegistryChecker(fake.client(fast_session(rate_limiter=limiter)))
    for _ in range(3):
        checker.check(_subject())
    # token + 3 lookups = 4 requests, each at least a second after the previous one
    assert sleeps == [pytest.approx(1.0)] * 3


def test_default_session_shares_the_60_per_minute_limiter():
    a = BolagsverketClient("http://a", "http://t", "i", "s")
    b = BolagsverketClient("http://a", "http://t", "i", "s")
    assert a.session.rate_limiter is b.session.rate_limiter
    assert a.session.rate_limiter.interval == pytest.approx(1.0)


# --- faults -----------------------------------------------------------------------------


def test_rfc7807_error_is_kept_in_details(fake, fast_session, bv_json, assert_no_verdict):
    fake.answer_json(bv_json("error_400.json"), status=400)
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert_no_verdict(result, "HTTP 400", "ogiltig kontrollsiffra")
    assert result.details["title"] == "Bad Request"
    assert result.details["requestId"] == "3f1b2a9e-6c1d-4c55-9d0e-5b8f0f1e2a77"


def test_500_is_an_error_and_the_post_is_not_repeated(fake, fast_session, bv_json,
                                                      assert_no_verdict):
    fake.answer_json(bv_json("error_500.json"), status=500)
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert_no_verdict(result, "HTTP 500")
    assert len(fake.api_calls) == 1


def test_invalid_json_is_an_error(fake, fast_session, assert_no_verdict):
    fake.answer(lambda _r, _n: Response('{"organisationer": [ {"organisationsform": ',
                                        content_type="application/json"))
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert_no_verdict(result, "JSON")
    assert result.evidence is not None


def test_429_after_retries_is_an_error(fake, fast_session, assert_no_verdict):
    fake.answer(lambda _r, _n: Response(
        json.dumps({"title": "Too Many Requests", "status": 429}), status=429,
        headers={"Retry-After": "0"}, content_type="application/problem+json"))
    result = CompanyRegistryChecker(fake.client(fast_session(retries=2))).check(_subject())
    assert_no_verdict(result, "HTTP 429", "för många anrop", "Too Many Requests")
    assert len(fake.api_calls) == 3


def test_429_with_retry_after_then_success(fake, fast_session, bv_json):
    def respond(_r, number):
        if number == 1:
            return Response("", status=429, headers={"Retry-After": "1"})
        return Response(json.dumps(bv_json("active.json")), content_type="application/json")

    fake.answer(respond)
    started = time.monotonic()
    result = CompanyRegistryChecker(fake.client(fast_session())).check(_subject())
    assert result.status is CheckStatus.PASS
    assert time.monotonic() - started >= 0.95


def test_timeout_is_an_error(threaded_server, fast_session, bv_json, assert_no_verdict):
    fake = FakeBolagsverket(threaded_server)

    def slow(_r, _n):
        time.sleep(1.0)
        return Response(json.dumps(bv_json("active.json")), content_type="application/json")

    fake.answer(slow)
    result = CompanyRegistryChecker(fake.client(fast_session(read_timeout=0.2))).check(_subject())
    assert_no_verdict(result, "tidsgränsen")
    assert len(fake.api_calls) == 1  # a POST that may have been processed is not repeated


def test_connection_refused_is_an_error(closed_port_url, fast_session, assert_no_verdict):
    client = BolagsverketClient(closed_port_url + API, closed_port_url + TOKEN, "i", "s",
                                session=fast_session())
    assert_no_verdict(CompanyRegistryChecker(client).check(_subject()), "Kunde inte ansluta")


def test_oversized_answer_is_an_error(fake, fast_session, assert_no_verdict):
    fake.answer(lambda _r, _n: Response("[" + "0," * 20_000 + "0]", content_type="application/json"))
    result = CompanyRegistryChecker(fake.client(fast_session(max_bytes=10_000))).check(_subject())
    assert_no_verdict(result, "för stort")


# --- isalive and configuration ----------------------------------------------------------


def test_is_alive(fake, fast_session):
    fake.server.expect_oneshot_request(f"{API}/isalive", method="GET").respond_with_data("OK")
    fake.server.expect_request(f"{API}/isalive", method="GET").respond_with_data("", status=503)
    client = fake.client(fast_session(retries=0))
    assert client.is_alive() is True
    assert client.is_alive() is False


def test_is_alive_false_when_unreachable(closed_port_url, fast_session):
    client = BolagsverketClient(closed_port_url, closed_port_url + TOKEN, "i", "s",
                                session=fast_session(retries=0))
    assert client.is_alive() is False


def test_from_env_needs_all_four_settings():
    env = {"BOLAGSVERKET_API_URL": "https://gw.example/v1",
           "BOLAGSVERKET_TOKEN_URL": "https://portal.example/oauth2/token",
           "BOLAGSVERKET_CLIENT_ID": "id", "BOLAGSVERKET_CLIENT_SECRET": "secret"}
    client = BolagsverketClient.from_env(env)
    assert client is not None and client.api_url == "https://gw.example/v1"
    assert "secret" not in repr(client)
    for key in env:
        assert BolagsverketClient.from_env({k: v for k, v in env.items() if k != key}) is None
    assert CompanyRegistryChecker.from_env({}) is None
    assert isinstance(CompanyRegistryChecker.from_env(env), CompanyRegistryChecker)


def test_scb_data_only_is_a_concern_not_a_pass_or_not_found(bv_json):
    payload = bv_json("not_found.json")
    org = payload["organisationer"][0]
    org["verksamOrganisation"] = {"kod": "JA", "dataproducent": "SCB", "fel": None}
    status, summary, _ = assess_organisations(payload)
    assert status is CheckStatus.CONCERN
    assert "finns inte hos Bolagsverket" in summary


def test_not_found_stays_not_found_when_unrelated_fields_carry_data(bv_json):
    payload = bv_json("not_found.json")
    payload["organisationer"][0]["registreringsland"] = {"kod": "SE-LAND", "klartext": "Sverige"}
    status, summary, details = assess_organisations(payload)
    assert status is CheckStatus.FAIL and details["not_found"] is True
    assert summary == "Organisationsnumret finns inte i Bolagsverkets register."
