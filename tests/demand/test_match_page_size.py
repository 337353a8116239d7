"""The match page at scale (issue 15): the ranked matches and the nearest misses up to
``matching.SHOWN`` each, the rest counted per reason; the CSV export keeps every provider; the
statement count does not grow with the providers."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

from tests.demand.factories import bulk_providers
from vendor_registry.demand import matching

NEED = {"run": 1, "housing_form": "own_flat", "housing_form_mode": "mandatory",
        "target_group": "adults", "target_group_mode": "weighted"}


def _names(html: str) -> list[str]:
    return re.findall(r"Bulkutförare \d-\d{5}", html)


def test_page_shows_the_first_matches_and_misses_and_counts_the_rest(client, as_role, db_session, monkeypatch):
    monkeypatch.setattr(matching, "SHOWN", 3)
    as_role("social_worker")
    bulk_providers(60, seed=7)
    db_session.commit()
    url = "/demand/match?" + urlencode(NEED)
    html = unescape(client.get(url).get_data(as_text=True))
    included, _, excluded_html = html.partition("matchar inte")
    assert len(set(_names(included))) == 3
    rest = excluded_html.split('id="rest-heading"')
    assert len(set(_names(rest[0]))) == 3 and not _names(rest[1])
    csv = client.get("/demand/match/export.csv?" + urlencode(NEED)).get_data().decode("utf-8-sig")
    assert len(set(_names(csv))) == 60
    # The summary counts the providers that are not shown: "Boendeform: Egen lägenhet" or "Inte
    # godkänd" etc.; every excluded provider not shown is under at least one reason.
    n_excluded = int(re.search(r"(\d+) utförare matchar inte", html).group(1))
    counts = [int(n) for n in re.findall(r"<tr><td>[^<]+</td><td>(\d+)</td></tr>", rest[1])]
    assert f"Övriga {n_excluded - 3} som inte matchar" in rest[1]
    assert counts and max(counts) <= n_excluded - 3 and sum(counts) >= n_excluded - 3
    assert "Boendeform" in rest[1]


def test_reason_summary_counts_a_requirement_once_per_provider():
    from tests.demand.helpers import must, snap
    from vendor_registry.demand.matching import match, reason_summary

    today = __import__("datetime").date(2026, 11, 24)
    result = match([snap(id=i, name=f"P{i}", housing_forms=()) for i in range(1, 5)],
                   [must("housing_form", "own_flat"), must("housing_form", "own_flat")], today=today)
    summary = dict(reason_summary(result.excluded))
    assert len(result.excluded) == 4 and 4 in summary.values()
    assert all(n <= 4 for n in summary.values())


def test_statement_count_does_not_grow(client, as_role, db_session, statement_counter):
    as_role("social_worker")
    url = "/demand/match?" + urlencode(NEED)
    bulk_providers(10, seed=8)
    db_session.commit()
    with statement_counter() as few:
        assert client.get(url).status_code == 200
    bulk_providers(200, seed=9)
    db_session.commit()
    with statement_counter() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)
