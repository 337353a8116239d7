"""Admin services: catalogue, service areas, check policy and accounts, and their audit trail."""
import pytest
from sqlalchemy import select

from tests.factories import make_user
from vendor_registry.admin import services
from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.audit.models import AuditEvent
from vendor_registry.background_checks.models import CheckPolicy
from vendor_registry.codes import CheckType, EvidenceLevel, ProviderKind, Role
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.methods import catalogue


def _events(db_session, table, entity_id):
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.entity_type == table,
                                                            AuditEvent.entity_id == str(entity_id))))


def test_method_rules_and_audit(db_session):
    with pytest.raises(services.ValidationFailed) as caught:
        catalogue.create_method({"name": "  ", "evidence_level": "strong"})
    assert {"name", "evidence_source"} <= set(caught.value.errors)
    with acting_as(Actor("user", "admin@example.org")):
        method = catalogue.create_method({"name": "Återfallsprevention", "short_name": "ÅP",
                                          "evidence_level": "moderate", "evidence_source": "Metodguiden"})
        db_session.commit()
        catalogue.update_method(method, {"name": "Återfallsprevention", "evidence_level": "strong",
                                         "evidence_source": "Ny översikt", "active": True}, 1)
        db_session.commit()
    assert method.evidence_level == EvidenceLevel.STRONG
    events = _events(db_session, "methods", method.id)
    assert {e.action for e in events} == {"insert", "update"}
    assert all(e.actor_label == "admin@example.org" for e in events)
    with pytest.raises(StaleRecordError):
        catalogue.update_method(method, {"name": "X"}, 1)


def test_service_area_code_is_unique_and_fixed(db_session):
    with pytest.raises(services.ValidationFailed):
        services.create_service_area({"code": "trauma", "name_sv": "T", "name_en": "T"})
    area = services.create_service_area({"code": "culture", "name_sv": "Kultur", "name_en": "Culture"})
    services.update_service_area(area, {"code": "other", "name_sv": "Kultur och fritid", "name_en": "Culture",
                                        "active": False}, area.version)
    assert area.code == "culture" and area.active is False and area.name_sv == "Kultur och fritid"


def _cells(db_session, **changes):
    cells = {}
    rows = services.policy_matrix()
    for kind in ProviderKind:
        for check_type in CheckType:
            row = rows.get((kind, check_type))
            cells[(kind, check_type)] = {"required": bool(row and row.required),
                                         "interval_days": row.interval_days if row else None,
                                         "version": str(row.version) if row else ""}
    for key, value in changes.items():
        cells[key].update(value)
    return cells


def test_check_policy_all_or_nothing(db_session):
    key = (ProviderKind.OUTPATIENT, CheckType.STAFF_RECORDS)
    assert key not in services.policy_matrix()
    bad = _cells(db_session)
    bad[key] = {"required": True, "interval_days": None, "version": ""}
    bad[(ProviderKind.HVB, CheckType.INSURANCE)]["interval_days"] = 99
    with pytest.raises(services.ValidationFailed):
        services.update_check_policy(bad)
    assert services.policy_matrix()[(ProviderKind.HVB, CheckType.INSURANCE)].interval_days != 99
    good = _cells(db_session)
    good[key] = {"required": True, "interval_days": 200, "version": ""}
    assert services.update_check_policy(good) == 1
    added = db_session.scalar(select(CheckPolicy).filter_by(provider_kind=ProviderKind.OUTPATIENT,
                                                            check_type=CheckType.STAFF_RECORDS))
    assert added.required and added.interval_days == 200


def test_check_policy_stale_row(db_session):
    cells = _cells(db_session)
    row = services.policy_matrix()[(ProviderKind.HVB, CheckType.INSURANCE)]
    row.interval_days += 1
    db_session.flush()
    with pytest.raises(StaleRecordError):
        services.update_check_policy(cells)


def test_accounts_end_sessions_and_protect_self(db_session):
    admin = make_user(Role.ADMIN)
    user = services.create_account({"email": "NY@Example.org ", "name": "Ny", "role": "supervisor",
                                    "password": "tillräckligt-långt"})
    assert user.email == "ny@example.org"
    token = user.session_token
    with acting_as(Actor("user", admin.email, admin.id)):
        services.set_role(user, "social_worker", user.version)
        assert user.role == Role.SOCIAL_WORKER and user.session_token != token
        token = user.session_token
        services.deactivate(user, user.version)
        assert user.active is False and user.session_token != token
        services.reactivate(user, user.version)
        assert user.active is True
        with pytest.raises(services.ValidationFailed):
            services.deactivate(admin, admin.version)
        with pytest.raises(services.ValidationFailed):
            services.set_role(admin, "supervisor", admin.version)
    with pytest.raises(services.ValidationFailed) as caught:
        services.create_account({"email": "x@example.org", "name": "X", "role": "admin", "password": "kort"})
    assert "password" in caught.value.errors
