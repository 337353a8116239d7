"""Pure parsing of saved register pages and of the shared header/value rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.ivo_parse import (
    map_kind,
    map_status,
    match_headers,
    parse_date,
    parse_register_page,
)

BASE = "https://register.example/register/sok?orgnr=5593000127"


def _rows(page):
    return [(f.org_number, f.kind, f.status, f.decided_on, f.reference) for f in page.findings]


def test_valid_page(ivo_page):
    page = parse_register_page(ivo_page("valid.html"), BASE)
    assert page.usable and not page.empty and page.next_url is None
    assert _rows(page) == [("5593000127", "hvb", "valid", date(2019, 6, 12), "3.5.1-10234/2019")]
    finding = page.findings[0]
    assert finding.name == "Solgläntan Omsorg AB"
    assert finding.status_text == "Gällande"
    assert finding.kind_text.startswith("Hem för vård eller boende")


def test_revoked_page(ivo_page):
    page = parse_register_page(ivo_page("revoked.html"), BASE)
    assert _rows(page) == [("5593000242", "hvb", "revoked", date(2024, 2, 1), "3.5.1-08812/2020")]


def test_expired_page(ivo_page):
    page = parse_register_page(ivo_page("expired.html"), BASE)
    assert _rows(page) == [("5593000366", "supported_housing", "expired", date(2023, 11, 30),
                            "3.5.1-31170/2021")]


def test_several_permits_for_one_number(ivo_page):
    page = parse_register_page(ivo_page("multiple.html"), BASE)
    assert [(f.kind, f.status) for f in page.findings] == [
        ("hvb", "valid"), ("supported_housing", "valid"), ("hvb", "expired")]
    assert {f.org_number for f in page.findings} == {"5593000481"}


def test_not_listed_page_is_a_positive_empty_result(ivo_page):
    page = parse_register_page(ivo_page("not_listed.html"), BASE)
    assert page.usable and page.empty and page.findings == ()


def test_columns_are_found_by_header_text_not_position(ivo_page):
    page = parse_register_page(ivo_page("reordered.html"), BASE)
    assert _rows(page) == [("5593000622", "hvb", "valid", date(2022, 8, 19), "3.5.1-40021/2022")]
    assert page.findings[0].name == "Björkhagens HVB AB"


def test_whitespace_and_non_breaking_spaces(ivo_page):
    page = parse_register_page(ivo_page("whitespace.html"), BASE)
    assert page.usable
    finding = page.findings[0]
    assert finding.org_number == "5593000747"
    assert finding.name == "Ekbacken Vård AB"
    assert finding.kind == "hvb" and finding.status == "valid"
    assert finding.decided_on == date(2018, 1, 9) and finding.reference is None


def test_divs_instead_of_table_is_a_layout_problem(ivo_page):
    page = parse_register_page(ivo_page("layout_divs.html"), BASE)
    assert not page.usable and page.findings == () and not page.empty
    assert "utseende" in page.problems[0]


def test_renamed_headers_name_the_missing_columns(ivo_page):
    page = parse_register_page(ivo_page("layout_renamed.html"), BASE)
    assert not page.usable and page.findings == ()
    assert "Beslutsdatum" in page.problems[0] and "Status" in page.problems[0]


def test_error_page_served_with_200(ivo_page):
    page = parse_register_page(ivo_page("error_page.html"), BASE)
    assert not page.usable and not page.empty
    assert any("felsida" in p for p in page.problems)


def test_truncated_page_is_not_trusted(ivo_page):
    page = parse_register_page(ivo_page("truncated.html"), BASE)
    assert not page.usable
    assert any("ofullständig" in p for p in page.problems)


def test_garbage_markup_is_not_trusted(ivo_page):
    page = parse_register_page(ivo_page("invalid_markup.html"), BASE)
    assert not page.usable and page.findings == ()


def test_unknown_status_text_is_unknown_not_revoked(ivo_page):
    page = parse_register_page(ivo_page("unknown_status.html"), BASE)
    assert page.usable
    assert page.findings[0].status == "unknown"
    assert page.findings[0].status_text == "Återkallat – överklagat"
    assert any("okänd status" in w for w in page.warnings)


def test_pagination_next_link_by_text_and_disabled_link_ignored(ivo_page):
    first = parse_register_page(ivo_page("paginated_1.html"), BASE)
    assert first.next_url == "https://register.example/register/sok?orgnr=5593000861&sida=2"
    second = parse_register_page(ivo_page("paginated_2.html"), first.next_url)
    assert second.next_url is None
    assert [f.status for f in second.findings] == ["revoked"]


@pytest.mark.parametrize("link", [
    '<a rel="next" href="?p=2">2</a>',
    '<link rel="next" href="?p=2">',
    '<a href="?p=2">›</a>',
    '<a href="?p=2">»</a>',
    '<a href="?p=2" aria-label="Nästa sida"><span class="icon"></span></a>',
])
def test_next_link_variants(ivo_page, link):
    html = ivo_page("valid.html").replace("</main>", link + "</main>")
    assert parse_register_page(html, BASE).next_url == "https://register.example/register/sok?p=2"


def test_row_with_unreadable_org_number_makes_page_untrusted(ivo_page):
    html = ivo_page("valid.html").replace("<td>559300-0127</td>", "<td>559300-0128</td>")
    page = parse_register_page(html, BASE)
    assert not page.usable
    assert "ogiltigt organisationsnummer" in page.problems[0]


# --- the shared rules -------------------------------------------------------------------


def test_headers_match_case_space_and_punctuation_insensitively():
    match = match_headers(["ORG.NR:", "Huvudman", "Tillstånd\u00a0avser", "Beslutsdatum ",
                           " status", "Dnr"])
    assert match.complete
    assert match.columns == {"org_number": 0, "name": 1, "kind_text": 2, "decided_on": 3,
                             "status": 4, "reference": 5}


def test_huvudman_wins_over_unit_name_for_the_name_column():
    match = match_headers(["Verksamhetens namn", "Organisationsnummer", "Huvudman",
                           "Verksamhetsform", "Beslutsdatum", "Status"])
    assert match.columns["name"] == 2


def test_missing_headers_are_listed():
    match = match_headers(["Organisationsnummer", "Namn", "Status"])
    assert not match.complete
    assert set(match.missing) == {"kind_text", "decided_on"}


@pytest.mark.parametrize("text, expected", [
    ("Gällande", "valid"), ("AKTIV", "valid"), ("\u00a0återkallat ", "revoked"),
    ("Återkallad", "revoked"), ("Upphört", "expired"), ("Upphörd", "expired"),
    ("Avslutad", "expired"), ("Återkallat – överklagat", "unknown"), ("Vilande", "unknown"),
    ("", "unknown"), ("Ej återkallat", "unknown"),
])
def test_status_allow_list(text, expected):
    assert map_status(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Hem för vård eller boende (HVB) för barn", "hvb"),
    ("HVB-hem för vuxna", "hvb"),
    ("Stödboende för unga 16–20 år", "supported_housing"),
    ("Skyddat boende", "protected_housing"),
    ("Bostad med särskild service för vuxna enligt LSS", "other"),
    ("HVB och stödboende", None),
    ("Fritidsgård", None),
    ("", None),
])
def test_kind_mapping(text, expected):
    assert map_kind(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2019-06-12", date(2019, 6, 12)), ("2023-05-05T00:00:00.000+00:00", date(2023, 5, 5)),
    ("20190612", date(2019, 6, 12)), ("12.6.2019", date(2019, 6, 12)),
    ("12/06/2019", date(2019, 6, 12)), ("2019\u201106\u201112", date(2019, 6, 12)),
    ("", None), (None, None),
])
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["den 3 mars 2020", "2019-13-01", "snart"])
def test_bad_dates_raise(text):
    with pytest.raises(ValueError):
        parse_date(text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_and_never_invents_a_revocation(text):
    page = parse_register_page(text, BASE)
    assert all(f.status != "revoked" for f in page.findings) or "återkall" in text.lower()
