"""Small factories for test records: explicit keyword overrides, sensible defaults, flushed."""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from vendor_registry.codes import (
    CheckOutcome,
    CheckType,
    ContractKind,
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    Ownership,
    ProviderStatus,
    ReviewKind,
    ReviewOutcome,
    Role,
)
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.providers.orgnr import with_check_digit

DEFAULT_PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def next_org_number() -> str:
    return with_check_digit(f"559{next(_seq) + 100000:06d}")


def make_organisation(name: str | None = None):
    from vendor_registry.organisations.models import Organisation

    organisation = Organisation(name=name or f"Testkommun {next(_seq)}")
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_user(role: str | Role = Role.PROCUREMENT_OFFICER, **kw):
    from vendor_registry.auth.models import User

    n = next(_seq)
    organisation = kw.pop("organisation", None)
    if organisation is not None:
        kw["organisation_id"] = organisation.id
    user = User(
        email=kw.pop("email", f"user{n}@example.org"),
        name=kw.pop("name", f"Test User {n}"),
        role=Role(role),
        **kw,
    )
    user.set_password(DEFAULT_PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def make_provider(**kw):
    from vendor_registry.providers.models import Provider

    n = next(_seq)
    values = {
        "org_number": next_org_number(),
        "name": f"Testutförare {n} AB",
        "kinds": ["protected_housing"],
        "ownership": Ownership.PRIVATE,
        "municipality": "Testby",
        "county": "01",
        "counties_served": ["01"],
        "target_groups": ["adults"],
        "housing_forms": ["own_flat"],
        "service_areas": ["protection_housing"],
        "status": ProviderStatus.APPROVED,
        "capacity": 10,
    }
    values.update(kw)
    if values["status"] in (ProviderStatus.APPROVED, ProviderStatus.CONDITIONALLY_APPROVED):
        values.setdefault("approved_at", utcnow() - timedelta(days=30))
    provider = Provider(**values)
    db.session.add(provider)
    db.session.flush()
    return provider


def make_licence(provider, **kw):
    from vendor_registry.licences.models import Licence

    values = {
        "provider_id": provider.id,
        "kind": LicenceKind.PROTECTED_HOUSING,
        "form": LicenceForm.PERMIT,
        "ivo_reference": f"IVO 3.5.1-{next(_seq)}/2025",
        "granted_on": date(2024, 5, 1),
        "status": LicenceStatus.VALID,
        "last_verified_at": utcnow(),
    }
    values.update(kw)
    licence = Licence(**values)
    db.session.add(licence)
    db.session.flush()
    return licence


def make_check(provider, **kw):
    from vendor_registry.background_checks.models import BackgroundCheck

    values = {
        "provider_id": provider.id,
        "check_type": CheckType.TAX_REGISTRATION,
        "performed_at": utcnow(),
        "performed_by_label": "test",
        "result": CheckOutcome.PASS,
        "summary": "OK",
    }
    values.update(kw)
    check = BackgroundCheck(**values)
    db.session.add(check)
    db.session.flush()
    return check


def make_contract(provider, **kw):
    from vendor_registry.contracts.models import Contract

    values = {
        "provider_id": provider.id,
        "kind": ContractKind.FRAMEWORK,
        "reference": f"AVT-{next(_seq)}",
        "starts_on": date.today() - timedelta(days=100),
        "ends_on": date.today() + timedelta(days=365),
        "price_per_day": Decimal(3000),
    }
    values.update(kw)
    contract = Contract(**values)
    db.session.add(contract)
    db.session.flush()
    return contract


def make_review(provider, **kw):
    from vendor_registry.reviews.models import Review

    values = {
        "provider_id": provider.id,
        "kind": ReviewKind.ANNUAL_QUALITY,
        "performed_on": date.today() - timedelta(days=10),
        "outcome": ReviewOutcome.SATISFACTORY,
    }
    values.update(kw)
    review = Review(**values)
    db.session.add(review)
    db.session.flush()
    return review


def make_method(**kw):
    from vendor_registry.methods.models import Method

    n = next(_seq)
    values = {"name": f"Metod {n}", "evidence_level": "moderate"}
    values.update(kw)
    method = Method(**values)
    db.session.add(method)
    db.session.flush()
    return method
