"""The IVO register checker against saved pages served on loopback, and every fault."""

from __future__ import annotations

import json
import time

import pytest
from werkzeug import Response

from checks.base import CheckStatus, CheckSubject, ExpectedLicence
from checks.ivo_register import IvoRegisterChecker, names_match

PATH = "/register/sok"


def _lic(id_, kind, ref=None, status="valid"):
    return ExpectedLicence(id=id_, kind=kind, ivo_reference=ref, status=status)


def _checker(server, session, **kw):
    return IvoRegisterChecker(server.url_for(PATH) + "?orgnr={org_number}", session=session, **kw)


def _serve(server, page_html, orgnr):
    server.expect_request(PATH, query_string={"orgnr": orgnr}).respond_with_data(
        page_html, content_type="text/html; charset=utf-8")


@pytest.fixture
def run(allow_robots, fast_session, ivo_page):
    """Serve one saved page for the subject's number and run the checker."""

    def go(page, subject, **kw):
        _serve(allow_robots, ivo_page(page), subject.org_number)
        return _checker(allow_robots, fast_session(), **kw).check(subject)

    return go


# --- verdicts ---------------------------------------------------------------------------


def test_valid_permit_passes_and_answers_the_licence(run):
    subject = CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(7, "hvb"),))
    result = run("valid.html", subject)
    assert result.status is CheckStatus.PASS
    assert result.summary == "Tillstånd för HVB gällande enligt IVO:s register."
    assert result.details["licences"] == {"7": "valid"}
    assert result.check_type == "ivo_register"
    assert result.evidence.raw.startswith(b"<!DOCTYPE html>")
    assert result.evidence.sha256 and len(result.evidence.sha256) == 64
    json.dumps(result.details)


def test_revoked_permit_we_hold_as_valid_fails(run):
    subject = CheckSubject("5593000242", "Havsbris Behandling AB",
                           (_lic(3, "hvb", "3.5.1-08812/2020"),))
    result = run("revoked.html", subject)
    assert result.status is CheckStatus.FAIL
    assert "återkallat" in result.summary and "2024-02-01" in result.summary
    assert result.details["licences"] == {"3": "revoked"}


def test_expired_permit_we_hold_as_applied_fails(run):
    subject = CheckSubject("5593000366", "Lindängens Stödboende AB",
                           (_lic(4, "supported_housing", status="applied"),))
    result = run("expired.html", subject)
    assert result.status is CheckStatus.FAIL
    assert "upphört" in result.summary
    assert result.details["licences"] == {"4": "expired"}


def test_a_lapse_we_already_recorded_is_not_a_new_failure(run):
    subject = CheckSubject("5593000242", "Havsbris Behandling AB",
                           (_lic(3, "hvb", status="revoked"),))
    result = run("revoked.html", subject)
    assert result.status is CheckStatus.PASS
    assert result.details["licences"] == {"3": "revoked"}


def test_several_permits_matched_by_reference(run):
    subject = CheckSubject("5593000481", "Trygga Vägen Omsorg AB", (
        _lic(1, "hvb", "3.5.1-12001/2020"),
        _lic(2, "supported_housing", "3.5.1 - 20456/2021"),
        _lic(3, "hvb", "3.5.1-04567/2015", status="expired"),
    ))
    result = run("multiple.html", subject)
    assert result.status is CheckStatus.PASS, result.summary
    assert result.details["licences"] == {"1": "valid", "2": "valid", "3": "expired"}
    assert len(result.details["findings"]) == 3


def test_kind_match_with_conflicting_rows_is_a_concern_without_answer(run):
    subject = CheckSubject("5593000481", "Trygga Vägen Omsorg AB",
                           (_lic(1, "hvb"), _lic(2, "supported_housing")))
    result = run("multiple.html", subject)
    assert result.status is CheckStatus.CONCERN
    assert "olika status" in result.summary
    assert result.details["licences"] == {"2": "valid"}


def test_permit_we_have_not_recorded_is_a_concern(run):
    subject = CheckSubject("5593000481", "Trygga Vägen Omsorg AB",
                           (_lic(1, "hvb", "3.5.1-12001/2020"),
                            _lic(3, "hvb", "3.5.1-04567/2015", status="expired")))
    result = run("multiple.html", subject)
    assert result.status is CheckStatus.CONCERN
    assert "stödboende som vi inte har registrerat" in result.summary
    assert result.details["licences"] == {"1": "valid", "3": "expired"}


def test_unrecorded_expired_permit_is_only_a_note(run):
    subject = CheckSubject("5593000481", "Trygga Vägen Omsorg AB",
                           (_lic(1, "hvb", "3.5.1-12001/2020"),
                            _lic(2, "supported_housing", "3.5.1-20456/2021")))
    result = run("multiple.html", subject)
    assert result.status is CheckStatus.PASS, result.summary
    assert result.details["licences"] == {"1": "valid", "2": "valid"}
    assert result.details["notes"] == ["upphört tillstånd för HVB som vi inte har registrerat"]


def test_unrecorded_revoked_permit_is_a_concern(run):
    result = run("revoked.html", CheckSubject("5593000242", "Havsbris Behandling AB"))
    assert result.status is CheckStatus.CONCERN
    assert "HVB som vi inte har registrerat (återkallat)" in result.summary
    assert result.details["licences"] == {}


def test_name_mismatch_is_a_concern(run):
    subject = CheckSubject("5593000127", "Helt Annat Namn AB", (_lic(7, "hvb"),))
    result = run("valid.html", subject)
    assert result.status is CheckStatus.CONCERN
    assert "namnet" in result.summary
    assert result.details["licences"] == {"7": "valid"}


def test_register_valid_where_we_hold_revoked_is_a_concern(run):
    subject = CheckSubject("5593000127", "Solgläntan Omsorg AB",
                           (_lic(7, "hvb", status="revoked"),))
    result = run("valid.html", subject)
    assert result.status is CheckStatus.CONCERN
    assert result.details["licences"] == {"7": "valid"}


def test_unknown_status_text_is_an_error_quoting_it_not_a_concern(run, assert_no_verdict):
    subject = CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(7, "hvb"),))
    result = run("unknown_status.html", subject)
    assert_no_verdict(result, "okänd status 'Återkallat – överklagat'")
    assert result.details["unreadable"] == ["okänd status 'Återkallat – överklagat'"]


def test_reordered_columns(run):
    subject = CheckSubject("5593000622", "Björkhagens HVB AB", (_lic(5, "hvb"),))
    result = run("reordered.html", subject)
    assert result.status is CheckStatus.PASS
    assert result.details["licences"] == {"5": "valid"}


def test_whitespace_page_with_formatted_number_template(allow_robots, fast_session, ivo_page):
    allow_robots.expect_request(PATH, query_string={"orgnr": "559300-0747"}).respond_with_data(
        ivo_page("whitespace.html"), content_type="text/html; charset=utf-8")
    checker = IvoRegisterChecker(allow_robots.url_for(PATH) + "?orgnr={org_number_formatted}",
                                 session=fast_session())
    result = checker.check(CheckSubject("559300-0747", "Ekbacken Vård AB", (_lic(9, "hvb"),)))
    assert result.status is CheckStatus.PASS
    assert result.details["licences"] == {"9": "valid"}


def test_protected_housing_is_left_unanswered_and_said_so(run):
    subject = CheckSubject("5593000127", "Solgläntan Omsorg AB",
                           (_lic(7, "hvb"), _lic(8, "protected_housing")))
    result = run("valid.html", subject)
    assert result.status is CheckStatus.PASS
    assert "8" not in result.details["licences"]
    assert result.details["unchecked_licences"] == ["8"]
    assert "Skyddat boende visas inte" in result.summary


def test_not_listed_with_only_protected_housing_passes_with_note(run):
    subject = CheckSubject("5593000507", "Norrsken Boende AB", (_lic(8, "protected_housing"),))
    result = run("not_listed.html", subject)
    assert result.status is CheckStatus.PASS
    assert result.details["licences"] == {}
    assert "Skyddat boende" in result.summary


def test_not_listed_while_we_expect_permits_is_an_error(run, assert_no_verdict):
    subject = CheckSubject("5593000507", "Norrsken Boende AB", (_lic(1, "hvb"),))
    result = run("not_listed.html", subject)
    assert_no_verdict(result, "finns inte i IVO:s register")


def test_paginated_result_reads_page_two(allow_robots, fast_session, ivo_page):
    allow_robots.expect_request(PATH, query_string="orgnr=5593000861&sida=2").respond_with_data(
        ivo_page("paginated_2.html"), content_type="text/html")
    allow_robots.expect_request(PATH, query_string="orgnr=5593000861").respond_with_data(
        ivo_page("paginated_1.html"), content_type="text/html")
    subject = CheckSubject("5593000861", "Fjällsippan Omsorg AB",
                           (_lic(1, "hvb", "3.5.1-05501/2017"),
                            _lic(2, "supported_housing", "3.5.1-22990/2022"),
                            _lic(3, "hvb", "3.5.1-01123/2016", status="expired")))
    result = _checker(allow_robots, fast_session()).check(subject)
    assert result.status is CheckStatus.FAIL
    assert result.details["licences"] == {"1": "valid", "2": "revoked", "3": "expired"}
    assert len(result.details["pages"]) == 2
    assert b"sida 2" in result.evidence.raw


def test_more_pages_than_allowed_is_an_error(allow_robots, fast_session, ivo_page,
                                             assert_no_verdict):
    allow_robots.expect_request(PATH, query_string="orgnr=5593000861&sida=2").respond_with_data(
        ivo_page("paginated_1.html").replace("sida=2", "sida=3"), content_type="text/html")
    allow_robots.expect_request(PATH, query_string="orgnr=5593000861").respond_with_data(
        ivo_page("paginated_1.html"), content_type="text/html")
    subject = CheckSubject("5593000861", "Fjällsippan Omsorg AB", (_lic(1, "hvb"),))
    result = _checker(allow_robots, fast_session(), max_pages=2).check(subject)
    assert_no_verdict(result, "fler än 2 sidor")
    assert [p["url"][-6:] for p in result.details["pages"]] == ["000861", "sida=2"]


def test_next_link_pointing_back_is_an_error_not_a_loop(allow_robots, fast_session, ivo_page,
                                                       assert_no_verdict):
    html = ivo_page("paginated_1.html").replace("&amp;sida=2", "")
    allow_robots.expect_request(PATH).respond_with_data(html, content_type="text/html")
    subject = CheckSubject("5593000861", "Fjällsippan Omsorg AB", (_lic(1, "hvb"),))
    result = _checker(allow_robots, fast_session()).check(subject)
    assert_no_verdict(result, "redan läst sida")


# --- faults: each must be an error with no licence statuses ------------------------------


@pytest.mark.parametrize("page, words", [
    ("layout_divs.html", ["utseende"]),
    ("layout_renamed.html", ["Beslutsdatum"]),
    ("error_page.html", ["felsida"]),
    ("truncated.html", ["ofullständig"]),
    ("invalid_markup.html", ["tabell"]),
])
def test_unusable_pages_are_errors(run, assert_no_verdict, page, words):
    subject = CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(7, "hvb"),))
    result = run(page, subject)
    assert_no_verdict(result, "IVO:s register kunde inte läsas", *words)
    assert result.evidence is not None  # the page that could not be read is kept


def test_connection_refused(closed_port_url, fast_session, assert_no_verdict):
    checker = IvoRegisterChecker(closed_port_url + "/sok?orgnr={org_number}",
                                 session=fast_session(), respect_robots=False)
    result = checker.check(CheckSubject("5593000127", "X AB", (_lic(1, "hvb"),)))
    assert_no_verdict(result, "Kunde inte ansluta")


def test_timeout(threaded_server, fast_session, ivo_page, assert_no_verdict):
    def slow(_request):
        time.sleep(1.0)
        return Response(ivo_page("valid.html"), content_type="text/html")

    threaded_server.expect_request(PATH).respond_with_handler(slow)
    checker = _checker(threaded_server, fast_session(read_timeout=0.2, retries=1),
                       respect_robots=False)
    result = checker.check(CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(1, "hvb"),)))
    assert_no_verdict(result, "tidsgränsen")


def test_500_then_200_is_retried_and_passes(allow_robots, fast_session, ivo_page):
    allow_robots.expect_oneshot_request(PATH).respond_with_data("Internal error", status=500)
    _serve(allow_robots, ivo_page("valid.html"), "5593000127")
    result = _checker(allow_robots, fast_session()).check(
        CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(1, "hvb"),)))
    assert result.status is CheckStatus.PASS
    assert sum(1 for r, _ in allow_robots.log if r.path == PATH) == 2


def test_persistent_500_is_an_error(allow_robots, fast_session, assert_no_verdict):
    allow_robots.expect_request(PATH).respond_with_data("Internal error", status=500)
    result = _checker(allow_robots, fast_session()).check(
        CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(1, "hvb"),)))
    assert_no_verdict(result, "HTTP 500")


def test_429_with_retry_after_is_honoured(allow_robots, fast_session, ivo_page):
    allow_robots.expect_oneshot_request(PATH).respond_with_data(
        "Too many requests", status=429, headers={"Retry-After": "1"})
    _serve(allow_robots, ivo_page("valid.html"), "5593000127")
    started = time.monotonic()
    result = _checker(allow_robots, fast_session()).check(
        CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(1, "hvb"),)))
    assert time.monotonic() - started >= 0.95
    assert result.status is CheckStatus.PASS


def test_response_over_size_limit(allow_robots, fast_session, ivo_page, assert_no_verdict):
    _serve(allow_robots, ivo_page("valid.html") + " " * 20_000, "5593000127")
    result = _checker(allow_robots, fast_session(max_bytes=10_000)).check(
        CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(1, "hvb"),)))
    assert_no_verdict(result, "för stort")


def test_robots_disallow_fetches_nothing(httpserver, fast_session, ivo_page, assert_no_verdict):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /register\n")
    _serve(httpserver, ivo_page("valid.html"), "5593000127")
    result = _checker(httpserver, fast_session()).check(
        CheckSubject("5593000127", "Solgläntan Omsorg AB", (_lic(1, "hvb"),)))
    assert_no_verdict(result, "robots.txt")
    assert not any(r.path == PATH for r, _ in httpserver.log)


def test_next_link_to_another_site_is_not_followed(allow_robots, fast_session, ivo_page,
                                                  assert_no_verdict):
    html = ivo_page("paginated_1.html").replace(
        'href="/register/sok?orgnr=5593000861&amp;sida=2">Nästa',
        'href="https://elsewhere.example/p2">Nästa')
    allow_robots.expect_request(PATH).respond_with_data(html, content_type="text/html")
    result = _checker(allow_robots, fast_session()).check(
        CheckSubject("5593000861", "Fjällsippan Omsorg AB", (_lic(1, "hvb"),)))
    assert_no_verdict(result, "annan webbplats")


def test_invalid_org_number_is_not_looked_up(fast_session, assert_no_verdict):
    checker = IvoRegisterChecker("http://127.0.0.1:9/{org_number}", session=fast_session())
    assert_no_verdict(checker.check(CheckSubject("559300-0128", "X AB")), "Ogiltigt")


# --- configuration ----------------------------------------------------------------------


def test_from_env():
    assert IvoRegisterChecker.from_env({}) is None
    assert IvoRegisterChecker.from_env({"IVO_REGISTER_URL": "  "}) is None
    checker = IvoRegisterChecker.from_env({"IVO_REGISTER_URL": "https://r.example/?n={org_number}"})
    assert checker.url_for("5593000127") == "https://r.example/?n=5593000127"
    with pytest.raises(ValueError):
        IvoRegisterChecker("https://r.example/sok")


def test_names_match_is_loose_but_not_blind():
    assert names_match("Solgläntan Omsorg AB", "SOLGLÄNTAN OMSORG AKTIEBOLAG")
    assert names_match("Solgläntan Omsorg AB", "Solgläntan HVB")
    assert not names_match("Solgläntan Omsorg AB", "Havsbris Behandling AB")
