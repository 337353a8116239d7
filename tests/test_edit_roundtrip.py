"""Opening an edit form and saving it unchanged changes nothing: no column, no audit event,
no version bump.

The edit forms are discovered from the URL map (every rule that answers GET and POST), so a
new edit page is covered as soon as it is registered, or this test fails until it is listed
either in EDIT_FORMS (with the seeded record it edits) or in NOT_EDIT_FORMS (with the reason
it edits no existing record). The form is read out of the HTML the way a browser submits it:
text inputs and hidden inputs, checked boxes only, the selected options, textarea contents,
and the button the user presses to save.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from tests.factories import (
    make_contract,
    make_licence,
    make_method,
    make_provider,
    make_review,
    make_user,
)
from tests.providers.factories import make_offered_method
from vendor_registry.background_checks.models import EvidenceDocument
from vendor_registry.codes import (
    LicenceStatus,
    ReviewKind,
    ReviewOutcome,
    Role,
    VerificationMethod,
)
from vendor_registry.extensions import db

#: Values a comma-, quote- or line-splitting field would mangle.
TRICKY_LANGUAGES = ["arabiska", 'dari, "afghansk"', "kurdiska (sorani)", "Åländska öar", "tigrinja'"]
TRICKY_TEXT = 'Rad ett, med komma\nRad "två" – åäö ÅÄÖ\'s'

#: GET+POST pages that create something or act without an existing record to round-trip.
NOT_EDIT_FORMS = {
    "auth.login": "signs in; edits no record",
    "account.password": "sets a new password, which the user types: empty fields are refused",
    "admin.method_create": "creates a method",
    "admin.service_area_create": "creates a service area",
    "admin.user_create": "creates a user",
    "background_checks.extract_upload": "uploads a register extract for a dry run",
    "background_checks.record": "records a new check",
    "background_checks.upload": "uploads a new evidence file",
    "contracts.create": "creates a contract",
    "demand.profile_create": "creates a profile",
    "licences.create": "creates a licence",
    "offered_methods.create": "adds an offered method",
    "providers.create": "registers a provider",
    "reviews.create": "records a review",
    "reviews.publish": "publishes a review for the other organisations (a preview and one button)",
}


def _seed() -> dict:
    from vendor_registry.demand import services as demand_services
    from vendor_registry.methods.models import ServiceArea
    from vendor_registry.reviews.models import ReviewAction

    area = ServiceArea(code="roundtrip_area", name_sv='Skydd, "boende" & åäö', name_en='Housing, "safe"')
    db.session.add(area)
    method = make_method(name='KSL, "kriminalitet" som livsstil – åäö', short_name="KSL,Å",
                         description=TRICKY_TEXT, evidence_level="moderate", evidence_source="SBU, 2021 \"rapport\"")
    provider = make_provider(
        name='Trygg "Hamn", Ängelholm AB', languages=TRICKY_LANGUAGES, counties_served=["01", "12", "14"],
        target_groups=["adults", "women"], housing_forms=["own_flat", "collective"],
        kinds=["protected_housing", "hvb"], service_areas=["protection_housing", "roundtrip_area"],
        max_threat_level="high", contact_name="Åsa Öberg, föreståndare", contact_phone="+46 8-123 45 67",
        contact_email="asa@example.org", website="https://example.org/?a=1&b=2", address='Gatan 1, "B"',
        notes=TRICKY_TEXT,
    )
    document = EvidenceDocument(provider_id=provider.id, storage_key="0" * 32, original_filename='bevis, "1" åäö.pdf',
                                content_type="application/pdf", size_bytes=10, sha256="0" * 64)
    db.session.add(document)
    db.session.flush()
    licence = make_licence(provider, evidence_document_id=document.id, scope=TRICKY_TEXT, evidence='Beslut "2024", dnr 1', notes="Å, ä; ö",
                           status=LicenceStatus.VALID, verification_method=VerificationMethod.MANUAL,
                           ends_on=date(2030, 1, 31))
    offered = make_offered_method(provider, method, trained_staff=3, certification_ends_on=date(2030, 6, 30),
                                  notes=TRICKY_TEXT)
    contract = make_contract(provider, reference='AVT-1, "ram" åäö', scope=TRICKY_TEXT,
                             price_per_day=Decimal("3150.50"),
                             starts_on=date(2025, 1, 1), ends_on=date(2027, 12, 31))
    review = make_review(provider, kind=ReviewKind.SITE_VISIT, outcome=ReviewOutcome.DEFICIENCIES,
                         summary=TRICKY_TEXT, contract_id=contract.id, rating_safety=4,
                         rating_documentation=2, performed_on=date(2026, 3, 1), evidence_document_id=document.id)
    for text, days in (('Åtgärda "rutiner", snarast', 30), ("Utbilda, personal", 60)):
        db.session.add(ReviewAction(review_id=review.id, provider_id=provider.id, description=text,
                                    deadline=date(2026, 3, 1) + timedelta(days=days)))
    make_method(name='Återfallsprevention, "ÅP"', evidence_level="limited", evidence_source="Kriminalvården")
    profile = demand_services.create_profile('Skyddat boende, "hög" hotnivå – åäö', TRICKY_TEXT, [
        {"kind": "provider_kind", "value": "protected_housing", "mandatory": True},
        {"kind": "serves_county", "value": "12", "mandatory": True},
        {"kind": "offers_method", "value": str(method.id), "weight": 5},
        {"kind": "offers_method", "value": 'Återfallsprevention, "ÅP"', "mandatory": True},
        {"kind": "threat_level_at_least", "value": "medium", "weight": 3},
        {"kind": "price_per_day_at_most", "value": "3500", "mandatory": True},
        {"kind": "checks_current", "value": True, "mandatory": True},
    ])
    user = make_user(role=Role.SOCIAL_WORKER, name='Örjan "Ö", Åberg')
    db.session.flush()
    full = {"provider": provider, "licence": licence, "offered": offered, "contract": contract,
            "review": review, "profile": profile, "method": method, "area": area, "user": user}
    return {"full": full, "sparse": _seed_sparse()}


def _seed_sparse() -> dict:
    """The same records with every optional value left empty (None must stay None, not become '')."""
    from vendor_registry.demand import services as demand_services
    from vendor_registry.methods.models import ServiceArea

    area = ServiceArea(code="roundtrip_sparse", name_sv="Glest", name_en="Sparse", active=False)
    db.session.add(area)
    method = make_method(name="Glesmetod", evidence_level="not_assessed", active=False)
    provider = make_provider(name="Gles AB", municipality=None, counties_served=[], target_groups=[],
                             housing_forms=[], service_areas=[], capacity=None, languages=[])
    licence = make_licence(provider, ivo_reference=None, granted_on=None, last_verified_at=None)
    offered = make_offered_method(provider, method, trained_staff=0)
    contract = make_contract(provider, price_per_day=None, ends_on=None)
    review = make_review(provider, kind=ReviewKind.ANNUAL_QUALITY, performed_on=date(2026, 1, 15))
    profile = demand_services.create_profile("Gles profil", None, [
        {"kind": "no_open_critical_flag", "value": True, "mandatory": True}])
    user = make_user(role=Role.SUPERVISOR)
    db.session.flush()
    return {"provider": provider, "licence": licence, "offered": offered, "contract": contract,
            "review": review, "profile": profile, "method": method, "area": area, "user": user}


#: endpoint -> the URL values of the seeded record it edits.
EDIT_FORMS: dict[str, Callable[[dict], dict]] = {
    "providers.edit": lambda s: {"provider_id": s["provider"].id},
    "licences.edit": lambda s: {"provider_id": s["provider"].id, "licence_id": s["licence"].id},
    "offered_methods.edit": lambda s: {"provider_id": s["provider"].id, "offered_id": s["offered"].id},
    "contracts.edit": lambda s: {"provider_id": s["provider"].id, "contract_id": s["contract"].id},
    "reviews.edit": lambda s: {"review_id": s["review"].id},
    "demand.profile_edit": lambda s: {"profile_id": s["profile"].id},
    "admin.method_edit": lambda s: {"method_id": s["method"].id},
    "admin.service_area_edit": lambda s: {"area_id": s["area"].id},
    "admin.user": lambda s: {"user_id": s["user"].id},
    "admin.check_policy": lambda s: {},
}


def browser_submission(html: str, url: str) -> MultiDict:
    """What a browser sends when the user presses the form's save button unchanged."""
    soup = BeautifulSoup(html, "html.parser")
    forms = [f for f in soup.find_all("form") if (f.get("method") or "get").lower() == "post"
             and f.get("action") in (None, "", url)]
    assert forms, f"no form posting to {url}"
    form = forms[0]
    pairs: list[tuple[str, str]] = []
    for element in form.find_all(["input", "select", "textarea", "button"]):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "textarea":
            text = element.get_text()
            # A newline right after <textarea> is not part of the value (HTML parsing rule),
            # and a browser submits every line break of a textarea as CRLF.
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            pairs.append((name, text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")))
        elif element.name == "select":
            options = element.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and not element.has_attr("multiple") and options:
                chosen = options[:1]
            pairs.extend((name, o.get("value", o.get_text())) for o in chosen)
        elif element.name == "input":
            kind = (element.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if element.has_attr("checked"):
                    pairs.append((name, element.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                pairs.append((name, element.get("value", "")))
    buttons = [b for b in form.find_all(["button", "input"])
               if (b.get("type") or ("submit" if b.name == "button" else "text")).lower() == "submit"]
    save = [b for b in buttons if b.get("name") == "save"] or buttons[:1]
    if save and save[0].get("name"):
        pairs.append((save[0]["name"], save[0].get("value", "")))
    return MultiDict(pairs)


def database_state() -> dict[str, list]:
    """Every row of every table (the audit log and all versions included)."""
    db.session.expire_all()
    return {table.name: sorted((tuple(row) for row in db.session.execute(sa.select(table))), key=repr)
            for table in db.metadata.sorted_tables}


def _edit_rules(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if {"GET", "POST"} <= set(rule.methods or ())}


def test_every_get_post_page_is_classified(app):
    """A new form page must be added to EDIT_FORMS (and so round-tripped) or explained."""
    found = _edit_rules(app)
    unlisted = found - set(EDIT_FORMS) - set(NOT_EDIT_FORMS)
    assert not unlisted, f"new form pages not covered by the round-trip test: {sorted(unlisted)}"
    assert set(EDIT_FORMS) <= found, f"listed but not registered: {sorted(set(EDIT_FORMS) - found)}"
    assert set(EDIT_FORMS).isdisjoint(NOT_EDIT_FORMS)


def test_every_edit_form_saved_unchanged_changes_nothing(app, client, login, db_session):
    from vendor_registry.audit.models import AuditEvent

    seeded = _seed()
    admin = make_user(role=Role.ADMIN)
    db_session.commit()
    login(admin)
    checked = []
    for endpoint, variant in sorted((e, v) for e in _edit_rules(app) & set(EDIT_FORMS) for v in seeded):
        with app.test_request_context():
            url = app.url_for(endpoint, **EDIT_FORMS[endpoint](seeded[variant]))
        page = client.get(url)
        assert page.status_code == 200, (endpoint, page.status_code)
        submission = browser_submission(page.get_data(as_text=True), url)
        before = database_state()
        audit_count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        response = client.post(url, data=submission)
        assert response.status_code in (302, 303), (
            endpoint, variant, response.status_code, response.get_data(as_text=True)[:3000])
        after = database_state()
        changed = {name: ([row for row in before[name] if row not in after[name]],
                          [row for row in after[name] if row not in before[name]])
                   for name in before if before[name] != after[name]}
        assert not changed, f"{endpoint} ({variant} record) saved unchanged but changed: {changed}"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audit_count
        checked.append(endpoint)
    assert sorted(set(checked)) == sorted(EDIT_FORMS)


@pytest.mark.parametrize("values", [TRICKY_LANGUAGES, ["svenska"], []])
def test_languages_round_trip_exactly_through_the_edit_form(client, login, db_session, values):
    provider = make_provider(languages=values)
    admin = make_user(role=Role.PROCUREMENT_OFFICER)
    db_session.commit()
    login(admin)
    url = f"/providers/{provider.id}/edit"
    for _ in range(3):  # the old field got worse at each save
        submission = browser_submission(client.get(url).get_data(as_text=True), url)
        submission["contact_phone"] = "+46 8-765 43 21"
        assert client.post(url, data=submission).status_code == 302
    db.session.expire_all()
    assert sorted(provider.languages) == sorted(values)
    assert provider.contact_phone == "+46 8-765 43 21"


def test_languages_field_refuses_what_cannot_be_stored_in_swedish(client, login, db_session):
    provider = make_provider(languages=["svenska"])
    officer = make_user(role=Role.PROCUREMENT_OFFICER)
    db_session.commit()
    login(officer)
    url = f"/providers/{provider.id}/edit"
    submission = browser_submission(client.get(url).get_data(as_text=True), url)
    submission["languages"] = "svenska\nett|två"
    response = client.post(url, data=submission)
    assert response.status_code == 422
    assert "Tecknet | får inte användas: ett|två" in response.get_data(as_text=True)
    assert "ett|två" in response.get_data(as_text=True)  # the input is kept in the field
    db.session.expire_all()
    assert provider.languages == ["svenska"]
