"""Profile services: validation per kind, versioning, stale edits, copy, retire, run_match."""
from __future__ import annotations

import pytest

from tests.factories import make_contract, make_licence, make_method, make_provider
from vendor_registry.codes import ProfileStatus
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.demand import services
from vendor_registry.demand.queries import list_profiles

EVERY_KIND = [
    {"kind": "provider_kind", "value": "protected_housing", "mandatory": True},
    {"kind": "licence_valid", "value": "Skyddat boende", "mandatory": True},
    {"kind": "offers_method", "value": "KSL", "weight": 5},
    {"kind": "method_evidence_at_least", "value": "moderate", "weight": 2},
    {"kind": "offers_service_area", "value": "trauma", "weight": 3},
    {"kind": "accepts_target_group", "value": "Vuxna", "mandatory": True},
    {"kind": "housing_form", "value": "own_flat", "mandatory": True},
    {"kind": "threat_level_at_least", "value": "Hög", "mandatory": True},
    {"kind": "serves_county", "value": "Skåne län", "weight": 4},
    {"kind": "price_per_day_at_most", "value": "3 000 kr", "weight": 2},
    {"kind": "checks_current", "value": True, "mandatory": True},
    {"kind": "no_open_critical_flag", "value": "true", "mandatory": True},
    {"kind": "reviewed_within_days", "value": 365, "weight": 1},
    {"kind": "review_outcome_at_least", "value": "satisfactory", "weight": 1},
]


def test_create_profile_with_every_kind_normalises_values(db_session):
    method = make_method(name="Kriminalitet som livsstil", short_name="KSL")
    profile = services.create_profile("Skyddat boende, vuxen med hotbild", "Beskrivning", EVERY_KIND)
    stored = [r.as_dict() for r in profile.requirements]
    assert stored[1] == {"kind": "licence_valid", "value": "protected_housing", "mandatory": True}
    assert stored[2] == {"kind": "offers_method", "value": str(method.id), "weight": 5}
    assert stored[5]["value"] == "adults" and stored[7]["value"] == "high"
    assert stored[8]["value"] == "12" and stored[9]["value"] == "3000"
    assert stored[10]["value"] == "true" and stored[12]["value"] == "365"
    assert profile.status == ProfileStatus.ACTIVE
    assert profile in list_profiles()


@pytest.mark.parametrize("row,key,message", [
    ({"kind": "serves_county", "value": "Narnia", "mandatory": True}, "value", "Okänt län"),
    ({"kind": "threat_level_at_least", "value": "extrem", "mandatory": True}, "value", "Tillåtna värden: Låg, Medel, Hög"),
    ({"kind": "price_per_day_at_most", "value": "-5", "mandatory": True}, "value", "dygnspris"),
    ({"kind": "reviewed_within_days", "value": "0", "mandatory": True}, "value", "antal dagar"),
    ({"kind": "checks_current", "value": "kanske", "mandatory": True}, "value", "inget värde"),
    ({"kind": "offers_method", "value": "Okänd metod", "weight": 2}, "value", "finns inte i metodkatalogen"),
    ({"kind": "housing_form", "value": "own_flat", "weight": 11}, "weight", "vikt mellan 1 och 10"),
    ({"kind": "housing_form", "value": "own_flat"}, "weight", "vikt mellan 1 och 10"),
    ({"kind": "nonsense", "value": "x", "mandatory": True}, "kind", "Välj en kravtyp"),
])
def test_invalid_requirements_give_swedish_messages(db_session, row, key, message):
    with pytest.raises(services.ValidationFailed) as info:
        services.create_profile("P", None, [{"kind": "housing_form", "value": "own_flat", "mandatory": True}, row])
    assert message in str(info.value.errors[f"requirements-1-{key}"][0])


def test_duplicate_requirement_and_name_are_refused(db_session):
    row = {"kind": "housing_form", "value": "own_flat", "mandatory": True}
    with pytest.raises(services.ValidationFailed) as info:
        services.create_profile("P", None, [row, row])
    assert "requirements-1-value" in info.value.errors
    services.create_profile("HVB 16–20 med missbruk", None, [row])
    with pytest.raises(services.ValidationFailed) as info:
        services.create_profile("hvb 16–20 med MISSBRUK", None, [row])
    assert "name" in info.value.errors


def test_requirement_change_bumps_version_and_no_change_keeps_it(db_session):
    profile = services.create_profile("P", None, [{"kind": "housing_form", "value": "own_flat", "mandatory": True}])
    db_session.commit()
    v1 = profile.version
    services.update_profile(profile, "P", None, [{"kind": "housing_form", "value": "own_flat", "mandatory": True}], v1)
    db_session.commit()
    assert profile.version == v1
    services.update_profile(profile, "P", None, [{"kind": "housing_form", "value": "own_flat", "weight": 3}], v1)
    db_session.commit()
    assert profile.version == v1 + 1
    assert [r.as_dict() for r in profile.requirements] == [{"kind": "housing_form", "value": "own_flat", "weight": 3}]
    with pytest.raises(StaleRecordError):
        services.update_profile(profile, "P", None, [], v1)


def test_copy_and_retire(db_session):
    profile = services.create_profile("P", None, [{"kind": "serves_county", "value": "12", "weight": 3}])
    copy = services.copy_profile(profile)
    again = services.copy_profile(profile)
    assert copy.name == "Kopia av P" and again.name == "Kopia av P (2)"
    assert copy.copied_from_id == profile.id
    assert [r.as_dict() for r in copy.requirements] == [{"kind": "serves_county", "value": "12", "weight": 3}]
    services.retire_profile(copy, copy.version)
    assert copy.status == ProfileStatus.RETIRED and copy not in list_profiles()
    with pytest.raises(StaleRecordError):
        services.retire_profile(profile, profile.version - 1)


def test_run_match_for_the_api(db_session):
    good = make_provider(name="Aaa Skydd AB", counties_served=["12"])
    make_licence(good)
    make_contract(good)
    bad = make_provider(name="Bbb Boende AB", counties_served=["01"])
    profile = services.create_profile("P", None, [{"kind": "licence_valid", "value": "protected_housing", "mandatory": True}])
    result = services.run_match(profile_id=profile.id, requirements=[{"kind": "serves_county", "value": "12", "weight": 2}])
    data = result.as_dict()
    names = [i["name"] for i in data["included"]]
    assert "Aaa Skydd AB" in names and "Bbb Boende AB" not in names
    mine = next(e for e in data["excluded"] if e["name"] == "Bbb Boende AB")
    assert mine["reasons"] == ["Saknar giltigt tillstånd för skyddat boende"]
    assert mine["org_number"] == f"{bad.org_number[:6]}-{bad.org_number[6:]}"
    assert result.meta["profile_version"] == profile.version
    with pytest.raises(services.ValidationFailed):
        services.run_match(requirements=[{"kind": "serves_county", "value": "99", "mandatory": True}])
    with pytest.raises(LookupError):
        services.run_match(profile_id=999999)


def test_editor_rows_round_trip_to_the_same_requirements(db_session):
    """What the edit page selects (the stored codes) must save back to the very same set."""
    from vendor_registry.demand.forms import ProfileForm

    make_method(name="Kriminalitet som livsstil", short_name="KSL")
    profile = services.create_profile("Rundresa", None, EVERY_KIND)
    rows = []
    for row in ProfileForm.rows_from(profile):
        data = {"kind": row["kind"], "value": row["value"]}
        data.update({"mandatory": True} if row["mode"] == "mandatory" else {"weight": row["weight"]})
        rows.append(data)
    assert [r.as_dict() for r in services.validate_requirements(rows)] == [r.as_dict() for r in profile.requirements]
