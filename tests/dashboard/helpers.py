"""Shared by the start-page tests: a flag factory and "follow the number to its list"."""
from __future__ import annotations

from bs4 import BeautifulSoup

from tests.factories import make_provider
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag


def make_flag(provider=None, **kw):
    provider = provider or make_provider()
    values = {"provider_id": provider.id, "rule": FlagRule.LICENCE_LAPSED, "subject_key": f"s:{provider.id}:{kw}",
              "severity": FlagSeverity.CRITICAL, "status": FlagStatus.OPEN, "message": "Tillståndet har upphört."}
    values.update(kw)
    values["subject_key"] = values["subject_key"][:100]
    flag = Flag(**values)
    db.session.add(flag)
    db.session.flush()
    return flag


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def number_and_link(page: BeautifulSoup, element_id: str) -> tuple[int, str]:
    """The number shown in the element and the list it links to."""
    link = page.find(id=element_id)
    assert link is not None, f"no #{element_id} on the page"
    count = link.find(class_="dash-count") or link
    return int(count.get_text(" ", strip=True).split()[0]), link["href"]


def rows_on(client, href: str, table_id: str) -> int:
    """The data rows the linked list shows (an empty list shows one "none" row with colspan)."""
    table = soup(client.get(href)).find(id=table_id)
    assert table is not None, f"no #{table_id} at {href}"
    return len([tr for tr in table.tbody.find_all("tr") if not tr.find("td", colspan=True)])
