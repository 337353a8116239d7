"""The register's activity and scope columns read by meaning (issue 10, section 1).

Pages in tests/data/ivo/both_columns*.html carry both "Verksamhetsform" (the activity, our
licence kind) and "Tillstånd avser" (the scope, the target group), in either order, with
extra columns, &nbsp; and paging; they are parsed directly and served over loopback HTTP.
"""

from __future__ import annotations

from datetime import date

import pytest

from checks.base import CheckStatus, CheckSubject, ExpectedLicence
from checks.extract import parse_extract
from checks.ivo_parse import match_headers, parse_register_page
from checks.ivo_register import IvoRegisterChecker
from checks.ivo_scope import scope_covers

BASE = "https://register.example/register/sok?orgnr=5593000903"
PATH = "/register/sok"


def _lic(id_, kind, ref=None, status="valid", scope=None):
    return ExpectedLicence(id=id_, kind=kind, ivo_reference=ref, status=status, scope=scope)


@pytest.fixture
def run(allow_robots, fast_session, ivo_page):
    def go(page, subject):
        allow_robots.expect_request(PATH, query_string={"orgnr": subject.org_number}).respond_with_data(
            ivo_page(page), content_type="text/html; charset=utf-8")
        checker = IvoRegisterChecker(allow_robots.url_for(PATH) + "?orgnr={org_number}",
                                     session=fast_session())
        return checker.check(subject)

    return go


# --- headers by meaning -----------------------------------------------------------------


def test_activity_is_the_kind_and_scope_is_the_scope_in_either_order():
    forward = match_headers(["Organisationsnummer", "Namn", "Verksamhetsform", "Tillstånd avser",
                             "Beslutsdatum", "Status"])
    assert forward.complete
    assert (forward.columns["kind_text"], forward.columns["scope_text"]) == (2, 3)
    backward = match_headers(["Tillstånd avser", "Status", "Namn", "Organisationsnummer",
                              "Verksamhetsform", "Beslutsdatum"])
    assert (backward.columns["kind_text"], backward.columns["scope_text"]) == (4, 0)


@pytest.mark.parametrize("activity, scope", [
    ("Typ av verksamhet", "Målgrupp"),
    ("VERKSAMHETSFORM\u00a0(SoL)", "Tillståndet\u00a0avser:"),
    ("Verksamhetstyp", "Målgrupper"),
    ("  verksamhetsform ", "Tillståndets omfattning"),
])
def test_header_synonyms_case_spaces_and_parentheses(activity, scope):
    match = match_headers(["Org.nr", "Huvudman", scope, "Kommun", activity, "Beslutsdag",
                           "Tillståndsstatus", "Antal platser"])
    assert match.complete
    assert match.columns["kind_text"] == 4
    assert match.columns["scope_text"] == 2
    assert match.columns["status"] == 6


@pytest.mark.parametrize("header", ["Tillstånd avser", "Verksamhetsform",
                                    "Verksamhetsform / Tillstånd avser", "Målgrupp"])
def test_a_single_activity_or_scope_column_is_read_as_the_kind(header):
    match = match_headers(["Organisationsnummer", "Namn", header, "Beslutsdatum", "Status"])
    assert match.complete
    assert match.columns["kind_text"] == 2
    assert "scope_text" not in match.columns


def test_combined_column_stays_the_kind_next_to_a_scope_column():
    match = match_headers(["Organisationsnummer", "Namn", "Målgrupp",
                           "Verksamhetsform / Tillstånd avser", "Beslutsdatum", "Status"])
    assert (match.columns["kind_text"], match.columns["scope_text"]) == (3, 2)


# --- recorded pages ---------------------------------------------------------------------


def test_page_with_both_columns(ivo_page):
    page = parse_register_page(ivo_page("both_columns.html"), BASE)
    assert page.usable and not page.warnings
    [finding] = page.findings
    assert (finding.kind, finding.kind_text, finding.scope_text, finding.status) == (
        "hvb", "HVB", "Vuxna", "valid")
    assert finding.to_dict()["scope_text"] == "Vuxna"


def test_reversed_columns_extra_columns_and_nbsp(ivo_page):
    page = parse_register_page(ivo_page("both_columns_revoked.html"), BASE)
    assert page.usable and not page.warnings
    assert [(f.org_number, f.name, f.kind, f.scope_text, f.status, f.decided_on, f.reference)
            for f in page.findings] == [
        ("5593000911", "Kustbrynet Behandling AB", "hvb", "Vuxna med missbruk", "revoked",
         date(2025, 9, 30), "3.5.1-09120/2020"),
        ("5593000911", "Kustbrynet Behandling AB", "supported_housing", "Ungdomar 16–20 år",
         "expired", date(2019, 5, 31), "3.5.1-04410/2016"),
    ]


def test_pages_of_a_paged_result_are_each_read_by_meaning(ivo_page):
    first = parse_register_page(ivo_page("both_columns_paged_1.html"), BASE)
    second = parse_register_page(ivo_page("both_columns_paged_2.html"), first.next_url)
    third = parse_register_page(ivo_page("both_columns_paged_3.html"), second.next_url)
    assert first.next_url.endswith("orgnr=5593000929&sida=2")
    assert second.next_url.endswith("orgnr=5593000929&sida=3")
    assert third.next_url is None
    assert [(f.kind, f.scope_text, f.status) for p in (first, second, third) for f in p.findings] == [
        ("hvb", "Vuxna", "valid"), ("hvb", "Ungdomar 16–20 år", "expired"),
        ("supported_housing", "Ungdomar 16–20 år", "revoked")]


def test_unreadable_activity_and_status_are_warned_about_by_text(ivo_page):
    page = parse_register_page(ivo_page("both_columns_unknown.html"), BASE)
    assert page.usable
    assert [(f.kind, f.status) for f in page.findings] == [(None, "valid"), ("hvb", "unknown")]
    assert any("'Hem för ensamkommande'" in w for w in page.warnings)
    assert any("'Vilande'" in w for w in page.warnings)


def test_extract_file_reads_the_two_columns_the_same_way():
    data = ("Organisationsnummer;Namn;Tillstånd avser;Verksamhetsform;Beslutsdatum;Status\n"
            "559300-0903;Vintergatan Omsorg AB;Vuxna;HVB;2021-03-15;Återkallat\n").encode()
    result = parse_extract(data, "utdrag.csv")
    assert result.ok
    [row] = result.rows
    assert (row.kind, row.scope_text, row.status, row.errors) == ("hvb", "Vuxna", "revoked", [])


@pytest.mark.parametrize("theirs, ours, covered", [
    ("Ungdomar 16–20 år", "ungdomar 16-20", True),
    ("Vuxna, familjer", "Vuxna och familjer", True),
    ("Vuxna; Ungdomar 16–20 år", "Vuxna", True),
    ("Vuxna", "Vuxna med missbruk", False),
    ("Vuxna med missbruk", "Vuxna", False),
    ("Vuxna", "Vuxna och familjer", False),
    ("", "Vuxna", True),
    ("Vuxna", None, True),
])
def test_scope_comparison(theirs, ours, covered):
    assert scope_covers(theirs, ours) is covered


# --- verdicts over loopback HTTP --------------------------------------------------------


def test_hvb_valid_with_a_scope_column_passes_and_answers(run):
    subject = CheckSubject("5593000903", "Vintergatan Omsorg AB", (_lic(1, "hvb", scope="Vuxna"),))
    result = run("both_columns.html", subject)
    assert result.status is CheckStatus.PASS, result.summary
    assert result.summary == "Tillstånd för HVB gällande enligt IVO:s register."
    assert result.details["licences"] == {"1": "valid"}
    assert "Vuxna" not in result.summary  # the scope is never mistaken for a kind


def test_hvb_revoked_with_a_scope_column_fails(run):
    subject = CheckSubject("5593000911", "Kustbrynet Behandling AB", (_lic(2, "hvb"),))
    result = run("both_columns_revoked.html", subject)
    assert result.status is CheckStatus.FAIL, result.summary
    assert result.summary.startswith("Tillstånd för HVB återkallat (beslut 2025-09-30)")
    assert result.details["licences"] == {"2": "revoked"}
    assert result.details["notes"] == ["upphört tillstånd för stödboende som vi inte har registrerat"]


def test_scope_mismatch_is_reported_as_a_concern_not_a_lapse(run):
    subject = CheckSubject("5593000903", "Vintergatan Omsorg AB",
                           (_lic(1, "hvb", scope="Vuxna med missbruk"),))
    result = run("both_columns.html", subject)
    assert result.status is CheckStatus.CONCERN
    assert "avser 'Vuxna' i registret, men 'Vuxna med missbruk' hos oss" in result.summary
    assert result.details["licences"] == {}  # another target group's permit confirms nothing


def test_revoked_permit_for_another_scope_is_reported_not_a_revocation(run):
    subject = CheckSubject("5593000911", "Kustbrynet Behandling AB", (_lic(2, "hvb", scope="Vuxna"),))
    result = run("both_columns_revoked.html", subject)
    assert result.status is CheckStatus.CONCERN, result.summary
    assert "avser 'Vuxna med missbruk' i registret, men 'Vuxna' hos oss" in result.summary
    assert result.details["licences"] == {}


def test_scope_mismatch_on_the_same_diarienummer_still_answers_the_status(run):
    subject = CheckSubject("5593000911", "Kustbrynet Behandling AB",
                           (_lic(2, "hvb", "3.5.1-09120/2020", scope="Vuxna"),))
    result = run("both_columns_revoked.html", subject)
    assert result.status is CheckStatus.FAIL, result.summary
    assert "Dessutom: tillståndet för HVB (3.5.1-09120/2020) avser 'Vuxna med missbruk'" in result.summary
    assert result.details["licences"] == {"2": "revoked"}


def test_appealed_revocation_still_listed_as_revoked_is_consistent(run):
    subject = CheckSubject("5593000911", "Kustbrynet Behandling AB",
                           (_lic(2, "hvb", "3.5.1-09120/2020", status="revocation_appealed"),))
    result = run("both_columns_revoked.html", subject)
    assert result.status is CheckStatus.PASS, result.summary
    assert "HVB (3.5.1-09120/2020) överklagat, registret visar återkallat" in result.summary
    assert result.details["licences"] == {"2": "revoked"}


def test_unknown_activity_or_status_is_an_error_quoting_the_text(run, assert_no_verdict):
    subject = CheckSubject("5593000937", "Lövsångaren Omsorg AB", (_lic(3, "hvb"),))
    result = run("both_columns_unknown.html", subject)
    assert_no_verdict(result, "okänd verksamhetsform 'Hem för ensamkommande'",
                      "okänd status 'Vilande'")
    assert result.status is not CheckStatus.CONCERN


def test_paging_with_scopes_telling_two_hvb_permits_apart(allow_robots, fast_session, ivo_page):
    for number in (3, 2):
        allow_robots.expect_request(PATH, query_string=f"orgnr=5593000929&sida={number}").respond_with_data(
            ivo_page(f"both_columns_paged_{number}.html"), content_type="text/html")
    allow_robots.expect_request(PATH, query_string="orgnr=5593000929").respond_with_data(
        ivo_page("both_columns_paged_1.html"), content_type="text/html")
    subject = CheckSubject("5593000929", "Fyrbåken Vård AB", (
        _lic(1, "hvb", scope="Vuxna"),
        _lic(2, "hvb", scope="Ungdomar 16-20 år", status="expired"),
        _lic(3, "supported_housing", "3.5.1-30155/2022", scope="Ungdomar 16–20 år"),
    ))
    checker = IvoRegisterChecker(allow_robots.url_for(PATH) + "?orgnr={org_number}",
                                 session=fast_session())
    result = checker.check(subject)
    assert result.status is CheckStatus.FAIL, result.summary
    assert result.details["licences"] == {"1": "valid", "2": "expired", "3": "revoked"}
    assert len(result.details["pages"]) == 3
    assert b"sida 3" in result.evidence.raw
