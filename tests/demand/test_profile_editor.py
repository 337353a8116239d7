"""The profile editor's value pickers: each kind's stored value comes back selected, an unchanged
save is no change, bad values get Swedish messages and keep every row, and the page carries the
templates and script that add rows without a reload (the browser test drives those)."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.factories import make_method
from vendor_registry.audit.models import AuditEvent
from vendor_registry.demand import services
from vendor_registry.demand.models import DemandProfile
from vendor_registry.extensions import db

#: One requirement per kind, the widget its value gets, and the option label shown selected.
KINDS = [
    ("provider_kind", "protected_housing", "select", "Skyddat boende"),
    ("licence_valid", "hvb", "select", "HVB"),
    ("method_evidence_at_least", "moderate", "select", None),
    ("offers_service_area", "trauma", "select", "Trauma"),
    ("accepts_target_group", "youth_16_20", "select", None),
    ("housing_form", "own_flat", "select", "Egen lägenhet"),
    ("threat_level_at_least", "high", "select", "Hög"),
    ("serves_county", "12", "select", "12 Skåne län"),
    ("review_outcome_at_least", "deficiencies", "select", None),
    ("price_per_day_at_most", "3500", "number", None),
    ("reviewed_within_days", "365", "number", None),
    ("checks_current", "true", "select", "Ja"),
    ("no_open_critical_flag", "true", "select", "Ja"),
]


def page_form(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser").select_one("form[data-profile-editor]")


def outside_templates(form) -> list:
    return [el for el in form.find_all(["input", "select", "textarea"]) if el.find_parent("template") is None]


def submitted(form, button: str = "save") -> dict[str, str]:
    """What a browser sends for this form when ``button`` is pressed (template rows excluded)."""
    data: dict[str, str] = {}
    for el in outside_templates(form):
        name = el.get("name")
        if not name or el.get("disabled") is not None:
            continue
        if el.name == "select":
            chosen = el.find("option", selected=True) or el.find("option")
            data[name] = chosen.get("value", chosen.text) if chosen else ""
        elif el.name == "textarea":
            data[name] = el.text
        elif el.get("type") in ("checkbox", "radio"):
            if el.get("checked") is not None:
                data[name] = el.get("value", "y")
        elif el.get("type") == "submit":
            if name == button:
                data[name] = el.get("value", "")
        else:
            data[name] = el.get("value", "")
    return data


def value_widget(form, index: int):
    return form.find(attrs={"name": f"requirements-{index}-value"})


def requirement_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.entity_type.in_(("requirements", "demand_profiles"))))


@pytest.mark.parametrize(("kind", "value", "widget", "label"), KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_opens_selected_and_saves_unchanged(client, as_role, db_session, kind, value, widget, label):
    profile = services.create_profile(f"Rundtur {kind}", None,
                                      [{"kind": kind, "value": value, "weight": 3}, {**_own_flat(kind)}])
    db_session.commit()
    version, events = profile.version, requirement_events()
    as_role("procurement_officer")
    form = page_form(client.get(f"/demand/profiles/{profile.id}/edit").get_data(as_text=True))
    field = value_widget(form, 0)
    if widget == "select":
        assert field.name == "select" and field["data-value-kind"] == kind
        chosen = field.find_all("option", selected=True)
        assert [o["value"] for o in chosen] == [value]
        if label:
            assert chosen[0].text == label
        assert len(field.find_all("option")) > 1 or kind in ("checks_current", "no_open_critical_flag")
    else:
        assert field.name == "input" and field["type"] == "number" and field["value"] == value
    assert form.find("select", attrs={"name": "requirements-0-mode"}).find("option", selected=True)["value"] == "weighted"
    assert form.find("input", attrs={"name": "requirements-0-weight"})["value"] == "3"

    response = client.post(f"/demand/profiles/{profile.id}/edit", data=submitted(form))
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    saved = db.session.get(DemandProfile, profile.id)
    assert saved.version == version
    assert saved.requirements[0].as_dict() == {"kind": kind, "value": value, "weight": 3}
    assert requirement_events() == events  # no change, so nothing in the audit log


def _own_flat(kind: str) -> dict:
    """A second, mandatory row (a different kind), so the round trip covers ska and bör together."""
    other = "collective" if kind == "housing_form" else "own_flat"
    return {"kind": "housing_form", "value": other, "mandatory": True}


def test_method_is_picked_from_the_catalogue_and_a_retired_one_stays_selected(client, as_role, db_session):
    ksl = make_method(name="Kriminalitet som livsstil", short_name="KSL")
    old = make_method(name="Gammal metod", active=False)
    make_method(name="Annan metod")
    profile = services.create_profile("Metoder", None, [{"kind": "offers_method", "value": str(ksl.id), "mandatory": True},
                                                         {"kind": "offers_method", "value": str(old.id), "weight": 2}])
    db_session.commit()
    version = profile.version
    as_role("procurement_officer")
    form = page_form(client.get(f"/demand/profiles/{profile.id}/edit").get_data(as_text=True))
    first, second = value_widget(form, 0), value_widget(form, 1)
    assert [(o["value"], o.text) for o in first.find_all("option", selected=True)] == [(str(ksl.id), ksl.name)]
    assert [(o["value"], o.text) for o in second.find_all("option", selected=True)] == [(str(old.id), "Gammal metod")]
    blank = form.find("template", attrs={"data-value-widget": "offers_method"})
    assert "Gammal metod" not in blank.text and "Annan metod" in blank.text  # new rows: active methods only
    assert client.post(f"/demand/profiles/{profile.id}/edit", data=submitted(form)).status_code == 302
    db_session.expire_all()
    assert db.session.get(DemandProfile, profile.id).version == version


def test_changing_a_value_through_the_picker_saves_the_code(client, as_role, db_session):
    profile = services.create_profile("Byte", None, [{"kind": "threat_level_at_least", "value": "low", "mandatory": True}])
    db_session.commit()
    as_role("procurement_officer")
    form = page_form(client.get(f"/demand/profiles/{profile.id}/edit").get_data(as_text=True))
    data = submitted(form)
    data["requirements-0-value"] = "high"
    data["requirements-1-kind"], data["requirements-1-value"] = "serves_county", "12"  # the blank extra row
    data["requirements-1-mode"], data["requirements-1-weight"] = "weighted", "7"
    assert client.post(f"/demand/profiles/{profile.id}/edit", data=data).status_code == 302
    db_session.expire_all()
    saved = db.session.get(DemandProfile, profile.id)
    assert [r.as_dict() for r in saved.requirements] == [
        {"kind": "threat_level_at_least", "value": "high", "mandatory": True},
        {"kind": "serves_county", "value": "12", "weight": 7}]
    assert saved.version == profile.version


BAD = [
    ("provider_kind", "", "Ange ett värde för kravet."),
    ("housing_form", "slott", "Okänt värde ”slott”"),
    ("serves_county", "", "Ange ett värde för kravet."),
    ("serves_county", "Narnia", "Okänt län ”Narnia”"),
    ("offers_method", "", "Ange metodens namn eller id."),
    ("offers_method", "999999", "finns inte i metodkatalogen"),
    ("price_per_day_at_most", "tre tusen", "Ange ett dygnspris i hela kronor mellan 1 och 1 000 000."),
    ("price_per_day_at_most", "0", "Ange ett dygnspris i hela kronor mellan 1 och 1 000 000."),
    ("reviewed_within_days", "4000", "Ange ett antal dagar mellan 1 och 3 650."),
    ("checks_current", "nej", "Kravet har inget värde; lämna fältet tomt."),
]


@pytest.mark.parametrize(("kind", "value", "message"), BAD, ids=[f"{k}-{v or 'empty'}" for k, v, _m in BAD])
def test_bad_value_keeps_every_row_with_a_swedish_message(client, as_role, kind, value, message):
    as_role("procurement_officer")
    rows = [("threat_level_at_least", "high", "mandatory", ""), (kind, value, "weighted", "4"),
            ("serves_county", "13", "weighted", "2")]
    data = {"name": f"Fel {kind}", "save": "1"}
    for i, (k, v, mode, weight) in enumerate(rows):
        data.update({f"requirements-{i}-kind": k, f"requirements-{i}-value": v, f"requirements-{i}-mode": mode,
                     f"requirements-{i}-weight": weight})
    response = client.post("/demand/profiles/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = page_form(html)
    error = form.find(id="requirements-1-value-error")
    assert error is not None and message in error.text
    assert 'href="#requirements-1-value"' in html
    bad = value_widget(form, 1)
    assert bad["aria-invalid"] == "true" and bad["aria-describedby"] == "requirements-1-value-error"
    again = submitted(form)  # what the user sees is what they sent, row by row
    for i, (k, v, mode, weight) in enumerate(rows):
        assert (again[f"requirements-{i}-kind"], again[f"requirements-{i}-value"], again[f"requirements-{i}-mode"],
                again[f"requirements-{i}-weight"]) == (k, v, mode, weight)
    assert db.session.query(DemandProfile).filter_by(name=f"Fel {kind}").count() == 0


def test_value_typed_by_name_without_javascript_is_shown_as_its_code(client, as_role):
    """The no-JS fallback row is free text; once a kind is chosen the picker shows the typed name."""
    as_role("procurement_officer")
    data = {"name": "Utan skript", "add_row": "1", "requirements-0-kind": "serves_county",
            "requirements-0-value": "Skåne län", "requirements-0-mode": "mandatory"}
    form = page_form(client.post("/demand/profiles/new", data=data).get_data(as_text=True))
    assert [o["value"] for o in value_widget(form, 0).find_all("option", selected=True)] == ["12"]
    blank = value_widget(form, 1)
    assert blank.name == "input" and blank["type"] == "text" and blank["list"] == "requirement-values"


def test_editor_carries_row_template_kind_pickers_and_local_script(client, as_role):
    as_role("procurement_officer")
    html = client.get("/demand/profiles/new").get_data(as_text=True)
    form = page_form(html)
    row = form.find("template", id="requirement-row-template")
    names = {el.get("name") for el in row.find_all(["select", "input"])}
    assert names == {f"requirements-__index__-{part}" for part in ("kind", "value", "mode", "weight", "remove")}
    kinds = {t["data-value-widget"] for t in form.find_all("template", attrs={"data-value-widget": True})}
    assert len(kinds) == 16 and {"", "__none__", "serves_county", "checks_current"} <= kinds
    assert form.find("button", attrs={"data-add-row": True}) is None  # the fallback is a submit input
    assert form.find("input", attrs={"data-add-row": True, "type": "submit", "name": "add_row"}) is not None
    soup = BeautifulSoup(html, "html.parser")
    src = soup.find("script", src=lambda s: s and s.endswith("/profile_editor.js"))["src"]
    assert src.startswith("/static/")
    script = client.get(src)
    assert script.status_code == 200 and b"data-profile-editor" in script.data


def test_editor_statement_count_does_not_grow_with_method_rows(client, as_role, db_session, statement_counter):
    methods = [make_method(name=f"Räknad metod {i}") for i in range(4)]
    one = services.create_profile("En metod", None, [{"kind": "offers_method", "value": str(methods[0].id), "weight": 1}])
    many = services.create_profile("Fyra metoder", None, [{"kind": "offers_method", "value": str(m.id), "weight": 1}
                                                          for m in methods])
    db_session.commit()
    as_role("procurement_officer")
    counts = []
    for profile in (one, many):
        with statement_counter() as statements:
            assert client.get(f"/demand/profiles/{profile.id}/edit").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
