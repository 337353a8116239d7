"""``insert_audited`` (the demo data's bulk path, issue 15) writes the same audit events as the
ORM listener does for the same rows added as objects: the log must not depend on the path."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories as f
from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.audit.listener import insert_audited
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import CheckOutcome, CheckType, ContractKind, ProviderStatus


def _rows(provider, method):
    from vendor_registry import models as m

    return {
        m.BackgroundCheck: {"provider_id": provider.id, "check_type": CheckType.INSURANCE,
                            "performed_at": datetime(2026, 5, 4, 10, tzinfo=UTC), "performed_by_label": "demo-data",
                            "result": CheckOutcome.CONCERN, "summary": "Anmärkning", "details": {"licences": {"1": "revoked"}},
                            "evidence": None, "next_due_on": date(2027, 5, 4)},
        m.ApprovalEvent: {"provider_id": provider.id, "from_status": None, "to_status": ProviderStatus.DRAFT,
                          "actor_label": "demo-data", "reason": "Registrerad",
                          "created_at": datetime(2026, 1, 2, 10, tzinfo=UTC)},
        m.ProviderMethod: {"provider_id": provider.id, "method_id": method.id, "trained_staff": 3,
                           "certification_ends_on": None},
        m.Contract: {"provider_id": provider.id, "kind": ContractKind.FRAMEWORK, "reference": "KS-2026-101",
                     "starts_on": date(2026, 1, 1), "ends_on": date(2027, 1, 1), "price_per_day": Decimal(2950),
                     "scope": "Skyddat boende"},
    }


def _event(session, entity_type, entity_id):
    return session.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity_type,
                                                    AuditEvent.entity_id == str(entity_id))).one()


@pytest.mark.parametrize("model_name", ["BackgroundCheck", "ApprovalEvent", "ProviderMethod", "Contract"])
def test_bulk_insert_audits_like_the_orm(db_session, model_name):
    from vendor_registry import models as m

    model = getattr(m, model_name)
    method = f.make_method()
    orm_provider, *bulk_providers = (f.make_provider() for _ in range(3))
    actor = Actor("system", "demo-data")
    with acting_as(actor):
        orm_obj = model(**_rows(orm_provider, method)[model])
        db_session.add(orm_obj)
        db_session.flush()
        bulk_ids = insert_audited(db_session, model, [_rows(p, method)[model] for p in bulk_providers])
    assert len(bulk_ids) == 2 and orm_obj.id not in bulk_ids

    expected = _event(db_session, model.__tablename__, orm_obj.id)
    for bulk_id, provider in zip(bulk_ids, bulk_providers, strict=True):
        got = _event(db_session, model.__tablename__, bulk_id)
        assert (got.action, got.actor_kind, got.actor_label, got.provider_id) == (
            "insert", expected.actor_kind, expected.actor_label, provider.id)
        assert got.changes == {**expected.changes, "id": [None, bulk_id], "provider_id": [None, provider.id]}
        # and the row itself reads back as the ORM's does
        stored = db_session.get(model, bulk_id)
        for key in _rows(provider, method)[model]:
            if key != "provider_id":
                assert getattr(stored, key) == getattr(orm_obj, key), key
