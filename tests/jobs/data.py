"""A few providers with conditions every sweep finds, committed in a job test's database."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_check, make_contract, make_licence, make_provider
from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.codes import CheckType, LicenceStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags.refresh import SUSPENDED_KEY


def seed(app, n: int = 5) -> None:
    from datetime import date

    with app.app_context(), acting_as(Actor("system", "test")):
        db.session.info[SUSPENDED_KEY] = True  # these conditions are for the sweeps under test to find
        today = date.today()
        for i in range(n):
            p = make_provider(kinds=["protected_housing", "hvb"])
            make_licence(p, status=LicenceStatus.REVOKED if i % 2 else LicenceStatus.VALID,
                         ends_on=today + timedelta(days=20), last_verified_at=None)
            make_check(p, check_type=CheckType.INSURANCE, result="fail", performed_at=utcnow())
            make_contract(p, ends_on=today + timedelta(days=30))
        db.session.commit()
        db.session.remove()
