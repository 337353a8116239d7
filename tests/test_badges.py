"""Every badge macro gives each licence status its own label: a revoked licence says revoked."""
import re

import pytest
from flask import render_template_string

from vendor_registry.codes import LicenceStatus
from vendor_registry.licences.queries import LicenceState

TEXT = re.compile(r"<span class=\"badge text-bg-(\w+)\">([^<]+)</span>")


def _render(app, macro_import: str, call: str, value) -> tuple[str, str]:
    with app.test_request_context():
        html = render_template_string(macro_import + "{{ " + call + "(value) }}", value=value)
    match = TEXT.search(html)
    assert match, html
    return match.group(1), match.group(2).strip()


def test_each_licence_status_has_its_own_badge_label(app):
    rendered = {status: _render(app, '{% from "_macros/badges.html" import licence_status_badge %}',
                                "licence_status_badge", status) for status in LicenceStatus}
    labels = [label for _style, label in rendered.values()]
    assert len(set(labels)) == len(LicenceStatus), rendered
    assert rendered[LicenceStatus.REVOKED] == ("danger", "Återkallat")
    assert rendered[LicenceStatus.EXPIRED] == ("danger", "Upphört")
    assert rendered[LicenceStatus.VALID][0] == "success"


def test_each_provider_licence_state_has_its_own_badge_label(app):
    rendered = {state: _render(app, '{% from "providers/_badges.html" import licence_badge %}', "licence_badge", state)
                for state in LicenceState}
    assert len({label for _style, label in rendered.values()}) == len(LicenceState), rendered
    assert rendered[LicenceState.REVOKED] == ("danger", "Tillstånd återkallat")
    assert rendered[LicenceState.EXPIRED] == ("danger", "Tillstånd upphört")
    assert "återkall" not in rendered[LicenceState.EXPIRED][1].lower()


@pytest.mark.parametrize("state", [s for s in LicenceState if s not in (LicenceState.UNKNOWN, LicenceState.NONE)])
def test_every_known_licence_state_has_a_colour_of_its_own(app, state):
    style, _label = _render(app, '{% from "providers/_badges.html" import licence_badge %}', "licence_badge", state)
    assert style != "secondary", state
