"""Licence services: validation of dates and codes, verification evidence, optimistic locking."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import make_licence, make_provider
from vendor_registry import clock
from vendor_registry.codes import LicenceStatus, VerificationMethod
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence
from vendor_registry.licences.services import (
    create_licence,
    delete_licence,
    update_licence,
)

BASE = {"kind": "protected_housing", "form": "permit", "status": "valid", "granted_on": date(2024, 4, 1)}


def test_create_without_verification(db_session):
    licence = create_licence(make_provider(), dict(BASE, ivo_reference=" IVO 1 "))
    assert licence.status == LicenceStatus.VALID and licence.ivo_reference == "IVO 1"
    assert licence.last_verified_at is None and licence.verification_method is None


def test_verification_records_method_time_and_evidence(db_session):
    licence = create_licence(make_provider(), dict(BASE, verified=True, verification_method="ivo_register",
                                                   evidence="https://www.ivo.se/register/123"))
    assert licence.verification_method == VerificationMethod.IVO_REGISTER
    assert licence.last_verified_at is not None and licence.evidence == "https://www.ivo.se/register/123"


def test_verification_needs_method_and_evidence(db_session):
    with pytest.raises(ValidationFailed) as failed:
        create_licence(make_provider(), dict(BASE, verified=True, verification_method=None, evidence=" "))
    assert set(failed.value.errors) == {"verification_method", "evidence"}


@pytest.mark.parametrize("change, field", [
    ({"granted_on": clock.today() + timedelta(days=1)}, "granted_on"),
    ({"ends_on": date(2024, 4, 1)}, "ends_on"),
    ({"ends_on": date(2023, 1, 1)}, "ends_on"),
    ({"kind": "castle"}, "kind"),
    ({"form": "permission"}, "form"),
    ({"status": "fine"}, "status"),
])
def test_invalid_values_are_refused(db_session, change, field):
    provider = make_provider()
    db_session.flush()
    before = db.session.query(Licence).count()
    with pytest.raises(ValidationFailed) as failed:
        create_licence(provider, dict(BASE, **change))
    assert field in failed.value.errors
    # nothing half-saved: no licence waits in the session, and none reaches the database
    assert not [obj for obj in db_session.new if isinstance(obj, Licence)]
    db_session.flush()
    assert db.session.query(Licence).count() == before
    assert db.session.query(Licence).filter_by(provider_id=provider.id).count() == 0


def test_update_and_stale(db_session):
    licence = make_licence(make_provider())
    seen = licence.version
    update_licence(licence, {"status": "revoked"}, seen)
    assert licence.status == LicenceStatus.REVOKED and licence.version == seen + 1
    with pytest.raises(StaleRecordError):
        update_licence(licence, {"status": "valid"}, seen)
    with pytest.raises(StaleRecordError):
        delete_licence(licence, seen)
    delete_licence(licence, licence.version)
    assert db.session.get(Licence, licence.id) is None
