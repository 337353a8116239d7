"""The provider list page: search, filters in the URL, badges, pagination, constant SQL count."""
from __future__ import annotations

import re

from tests.factories import make_licence, make_provider
from tests.providers.factories import make_all_checks, make_flag
from vendor_registry.codes import FlagSeverity, ProviderStatus


def _rows(html: str) -> list[str]:
    body = html.split('id="provider-table"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)[1:] if "<thead>" in body else []


def test_search_box_results_table_and_count(client, as_role, db_session):
    make_provider(name="Zeta Listtest AB", municipality="Kiruna")
    make_provider(name="Eta Listtest AB", municipality="Luleå")
    db_session.commit()
    as_role("social_worker")
    html = client.get("/providers/?q=listtest").get_data(as_text=True)
    assert 'id="q"' in html and 'value="listtest"' in html
    assert 'id="provider-table"' in html
    assert "2 utförare matchar" in html
    assert html.index("Eta Listtest AB") < html.index("Zeta Listtest AB")
    html = client.get("/providers/?q=kiruna").get_data(as_text=True)
    assert "Zeta Listtest AB" in html and "Eta Listtest AB" not in html


def test_filter_state_is_in_the_url_and_kept_in_links(client, as_role, db_session):
    for n in range(30):
        make_provider(name=f"Paginera {n:02d} AB", kinds=["hvb"], status=ProviderStatus.APPROVED)
    make_provider(name="Paginera Utkast AB", kinds=["hvb"], status=ProviderStatus.DRAFT)
    db_session.commit()
    as_role("procurement_officer")
    html = client.get("/providers/?q=paginera&status=approved&kind=hvb&licence_valid=no").get_data(as_text=True)
    assert "30 utförare matchar" in html
    assert "Paginera Utkast AB" not in html
    assert "Sida 1 av 2" in html
    next_link = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "status=approved" in next_link and "kind=hvb" in next_link and "licence_valid=no" in next_link
    page2 = client.get(next_link).get_data(as_text=True)
    assert "Paginera 29 AB" in page2 and "Paginera 00 AB" not in page2
    # the filter controls show the current state
    assert re.search(r'name="status" value="approved"[^>]*checked', html)
    assert re.search(r'<option value="no" selected>', html)
    export = re.search(r'id="export-csv" href="([^"]+)"', html).group(1)
    assert "status=approved" in export and "q=paginera" in export


def test_row_badges_carry_text(client, as_role, db_session):
    ok = make_provider(name="Badge Bra AB", kinds=["outpatient"])
    make_licence(ok)
    make_all_checks(ok)
    bad = make_provider(name="Badge Dålig AB", kinds=["outpatient"])
    make_flag(bad, severity=FlagSeverity.CRITICAL)
    make_flag(bad, severity=FlagSeverity.HIGH)
    db_session.commit()
    as_role("social_worker")
    html = client.get("/providers/?q=badge").get_data(as_text=True)
    good_row, bad_row = _rows(html)
    assert "Godkänd" in good_row and "Giltigt tillstånd" in good_row and "Kontroller aktuella: ja" in good_row
    assert "Inget tillstånd" in bad_row and "Kontroller aktuella: nej" in bad_row
    assert "1 öppen avvikelse: kritisk" in bad_row and "1 öppen avvikelse: hög" in bad_row


def test_filter_by_critical_flag_through_the_page(client, as_role, db_session):
    flagged = make_provider(name="Flaggsök Ett AB")
    make_provider(name="Flaggsök Två AB")
    make_flag(flagged)
    db_session.commit()
    as_role("supervisor")
    html = client.get("/providers/?q=flaggsök&critical_flag=yes").get_data(as_text=True)
    assert "Flaggsök Ett AB" in html and "Flaggsök Två AB" not in html


def _list_statements(client, statement_counter, url):
    with statement_counter() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return [s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]


def test_statement_count_is_the_same_for_10_and_200_providers(client, as_role, db_session, statement_counter):
    def populate(prefix: str, count: int):
        for n in range(count):
            provider = make_provider(name=f"{prefix} {n:03d} AB", kinds=["hvb", "outpatient"])
            make_licence(provider)
            make_flag(provider)
            make_all_checks(provider)

    populate("Mängd Tio", 10)
    db_session.commit()
    as_role("supervisor")
    small = _list_statements(client, statement_counter, "/providers/?q=mängd&per_page=x")
    populate("Mängd Tvåhundra", 190)
    db_session.commit()
    large = _list_statements(client, statement_counter, "/providers/?q=mängd")
    assert len(small) == len(large), (small, large)
    assert len(large) < 20
