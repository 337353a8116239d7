"""What each role must not see on the pages it may open (DOMAIN.md §5).

``test_access_rules.py`` proves who may open which route; this file proves what the pages a
role opens show it. The social worker may know whether a provider's checks are current, never
a check's type, result or summary: not in the provider page's sections, its print view, the
matching pages, the start page, the notices, nor an export. Flags about checks are shown to
that role as "a background-check flag" without those details.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest

from tests.factories import (
    make_check,
    make_contract,
    make_licence,
    make_provider,
    make_review,
    make_user,
)
from tests.providers.factories import make_flag
from vendor_registry.codes import (
    CheckOutcome,
    CheckType,
    FlagRule,
    FlagSeverity,
    FlagStatus,
    Role,
)
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.models import Notification

SECRET_SUMMARY = "Hemlig skattesammanfattning 4711"
SECRET_NOTE = "Hemlig handläggarnotering om försäkringen"
LICENCE_FLAG = "Tillståndet för skyddat boende har upphört 4711"

#: What only a role with check details may read. The IVO register type is left out: its
#: label is also the name of a licence verification source, which every role sees.
CHECK_SECRETS = [
    "F-skatt och skatteskulder", "Skulder hos Kronofogden", "Utdrag ur belastningsregistret för personal",
    "Bolagsregistret", "Ansvarsförsäkring", "Ekonomisk ställning", "Försäkran om demokratiska värderingar",
    "är underkänd", "gav en anmärkning", "har aldrig gjorts", "har inte fått svar",
    "Kontroll med anmärkning eller underkänd", "Kontroll försenad", "Automatisk kontroll misslyckas",
    SECRET_SUMMARY, SECRET_NOTE,
]


def _check_flag(provider, check_type: CheckType, rule: FlagRule, severity: FlagSeverity, message: str, **kw):
    return make_flag(provider, rule=rule, subject_key=f"check:{check_type.value}", severity=severity,
                     message=message, details={"check_type": check_type.value}, **kw)


@pytest.fixture
def world(db_session):
    """A provider with something in every section, four live check flags of every check rule,
    a recently resolved one with a note, a licence flag, and a social worker who (from an
    earlier role) still has a notice and an assigned flag about a check."""
    social = make_user(role=Role.SOCIAL_WORKER)
    provider = make_provider(name="Åtkomstprovet AB", kinds=["protected_housing"])
    licence = make_licence(provider, ivo_reference="IVO 1.2.3-4711/2026")
    contract = make_contract(provider, reference="AVT-ÅTKOMST")
    review = make_review(provider, summary="Uppföljning av åtkomst")
    make_check(provider, check_type=CheckType.TAX_REGISTRATION, result=CheckOutcome.FAIL, summary=SECRET_SUMMARY)
    make_check(provider, check_type=CheckType.ENFORCEMENT_DEBTS, result=CheckOutcome.CONCERN, summary=SECRET_SUMMARY)
    failed = _check_flag(provider, CheckType.TAX_REGISTRATION, FlagRule.CHECK_FAILED, FlagSeverity.CRITICAL,
                         "Kontrollen F-skatt och skatteskulder är underkänd.", assignee_id=social.id)
    _check_flag(provider, CheckType.ENFORCEMENT_DEBTS, FlagRule.CHECK_FAILED, FlagSeverity.HIGH,
                "Kontrollen Skulder hos Kronofogden gav en anmärkning.")
    _check_flag(provider, CheckType.STAFF_RECORDS, FlagRule.CHECK_OVERDUE, FlagSeverity.HIGH,
                "Kontrollen Utdrag ur belastningsregistret för personal har aldrig gjorts.")
    _check_flag(provider, CheckType.COMPANY_REGISTRY, FlagRule.CHECK_ERROR, FlagSeverity.MEDIUM,
                "Den automatiska kontrollen Bolagsregistret har inte fått svar 3 gånger i rad.")
    _check_flag(provider, CheckType.INSURANCE, FlagRule.CHECK_FAILED, FlagSeverity.CRITICAL,
                "Kontrollen Ansvarsförsäkring är underkänd.", status=FlagStatus.RESOLVED,
                resolved_at=utcnow() - timedelta(days=2), resolution_note=SECRET_NOTE)
    make_flag(provider, rule=FlagRule.LICENCE_LAPSED, subject_key=f"licence:{licence.id}", message=LICENCE_FLAG)
    db.session.add(Notification(user_id=social.id, flag_id=failed.id,
                                message=f"{provider.name}: Kontroll med anmärkning eller underkänd. "
                                        "Kontrollen F-skatt och skatteskulder är underkänd."))
    db_session.commit()
    return {"provider": provider, "social": social, "licence": licence, "contract": contract, "review": review}


FLAG_LINK = re.compile(r'href="/flags/\d+"')  # a flag's own page, for those who handle flags

#: A match run that keeps providers with critical flags, so the world's provider is listed.
MATCH = "run=1&include_critical=1"


def _text(response) -> str:
    body = response.get_data()
    if body[:2] == b"PK":  # an XLSX: the shared strings and sheets are XML inside a zip
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))
    return body.decode("utf-8", errors="replace")


def _leaks(text: str) -> list[str]:
    return [secret for secret in CHECK_SECRETS if secret in text]


def test_social_worker_sees_check_flags_without_type_or_result(client, login, world):
    provider = world["provider"]
    login(world["social"])
    for url in (f"/providers/{provider.id}", f"/providers/{provider.id}/print"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert _leaks(html) == [], url
        # the flags are there, only their details are not: four live check flags, one recently
        # resolved, and the licence flag with its own text
        assert html.count("Avvikelse i bakgrundskontrollerna") == 5, url
        assert LICENCE_FLAG in html and "Tillstånd har upphört" in html, url
        assert '<strong id="checks-current">nej</strong>' in html, url


def test_roles_with_check_details_see_them(client, login, world):
    """The other side of the test above: the same page shows every detail to a role allowed to
    read it (so the social worker's test fails if the details vanish for everyone)."""
    for role in (Role.PROCUREMENT_OFFICER, Role.SUPERVISOR, Role.ADMIN):
        login(make_user(role=role))
        for url in (f"/providers/{world['provider'].id}", f"/providers/{world['provider'].id}/print"):
            html = client.get(url).get_data(as_text=True)
            for secret in ("Kontrollen F-skatt och skatteskulder är underkänd.", "Kontroll försenad",
                           "Automatisk kontroll misslyckas", SECRET_SUMMARY, SECRET_NOTE):
                assert secret in html, (role, url, secret)
        client.post("/logout")


def _social_worker_pages(app, world) -> list[str]:
    """Every GET page the social worker's permissions open, path ids filled with the world's records."""
    from vendor_registry.auth.permissions import PUBLIC, ROLE_PERMISSIONS

    allowed = ROLE_PERMISSIONS[Role.SOCIAL_WORKER]
    ids = {"provider_id": world["provider"].id, "licence_id": world["licence"].id,
           "contract_id": world["contract"].id, "review_id": world["review"].id}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static", "/bootstrap")):
            continue
        access = getattr(app.view_functions[rule.endpoint], "access_rule", None)
        if access in (None, PUBLIC) or not (access == {"authenticated"} or access & allowed):
            continue
        values = {}
        for name in rule.arguments:
            if name == "fmt":
                continue
            values[name] = ids.get(name, 1)
        formats = ["csv", "xlsx"] if "fmt" in rule.arguments else [None]
        for fmt in formats:
            path = rule.build({**values, **({"fmt": fmt} if fmt else {})}, append_unknown=False)[1]
            urls.append(path)
    return urls


def test_no_page_a_social_worker_opens_shows_check_details(app, client, login, world):
    login(world["social"])
    provider = world["provider"]
    match = MATCH
    urls = _social_worker_pages(app, world) + [
        f"/demand/match?{match}", f"/demand/match/explain/{provider.id}?{match}",
        f"/demand/match/print?{match}", f"/demand/match/export.csv?{match}",
        f"/start?provider={provider.id}", "/flags/notifications",
    ]
    assert f"/providers/{provider.id}" in urls and "/providers/export.xlsx" in urls
    seen = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 200:
            seen[url] = _leaks(_text(response))
    assert {url: found for url, found in seen.items() if found} == {}
    assert "/flags/notifications" in seen and f"/demand/match?{match}" in seen


def test_each_role_sees_only_its_parts_of_the_provider_page(client, login, world):
    """For each role, what it must not see on the provider page (and what it must)."""
    provider = world["provider"]
    page = f"/providers/{provider.id}"
    must_not = {
        Role.SOCIAL_WORKER: ['id="audit"', 'id="check-history"', 'id="checks-due"', f'href="{page}/edit"',
                             "transition-", FLAG_LINK, f'href="{page}/checks/new"'],
        Role.PROCUREMENT_OFFICER: ['id="audit"', 'id="transition-suspend"', 'id="transition-approve"'],
        Role.SUPERVISOR: [f'href="{page}/edit"'],
        Role.ADMIN: ['id="transition-suspend"', 'id="transition-approve"'],
    }
    must = {
        Role.SOCIAL_WORKER: ['id="checks-current"', LICENCE_FLAG],
        Role.PROCUREMENT_OFFICER: ['id="check-history"', f'href="{page}/edit"'],
        Role.SUPERVISOR: ['id="audit"', 'id="transition-suspend"', 'id="check-history"'],
        Role.ADMIN: ['id="audit"', 'id="check-history"'],
    }
    for role, hidden in must_not.items():
        user = world["social"] if role == Role.SOCIAL_WORKER else make_user(role=role)
        db.session.commit()
        login(user)
        for url in (page, f"{page}/print"):
            html = client.get(url).get_data(as_text=True)
            assert [h for h in hidden if (h.search(html) if isinstance(h, re.Pattern) else h in html)] == [], \
                (role, url)
        html = client.get(page).get_data(as_text=True)
        assert [m for m in must[role] if m not in html] == [], role
        client.post("/logout")
