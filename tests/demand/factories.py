"""Bulk test data for matching: many providers with licences, methods, reviews, flags, prices
and checks, inserted with executemany so a thousand providers take well under a second."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from vendor_registry import codes as c
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.licences.models import Licence
from vendor_registry.methods.models import Method, ProviderMethod
from vendor_registry.organisations.tenancy import default_organisation_id
from vendor_registry.providers.models import Provider, ProviderApproval
from vendor_registry.providers.orgnr import with_check_digit
from vendor_registry.reviews.models import Review

COUNTY_CODES = sorted(c.COUNTIES)


def bulk_providers(n: int, *, seed: int = 1, prefix: str = "7") -> list[int]:
    """Insert ``n`` varied providers with their related rows; returns their ids."""
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    today = date.today()
    methods = list(db.session.scalars(select(Method.id)))
    if len(methods) < 3:
        db.session.execute(insert(Method), [
            {"name": f"Bulkmetod {seed}-{i}", "evidence_level": level, "version": 1}
            for i, level in enumerate(("strong", "moderate", "limited"))])
        methods = list(db.session.scalars(select(Method.id)))
    rows = []
    for i in range(n):
        rows.append({
            "org_number": with_check_digit(f"{prefix}{seed % 10}{i:07d}"),
            "name": f"Bulkutförare {seed}-{i:05d}",
            "kinds": rnd.sample([k.value for k in c.ProviderKind], rnd.randint(1, 2)),
            "ownership": c.Ownership.PRIVATE,
            "county": rnd.choice(COUNTY_CODES),
            "counties_served": rnd.sample(COUNTY_CODES, rnd.randint(1, 4)),
            "target_groups": rnd.sample([t.value for t in c.TargetGroup], rnd.randint(1, 3)),
            "housing_forms": rnd.sample([h.value for h in c.HousingForm], rnd.randint(1, 2)),
            "service_areas": rnd.sample([a.value for a in c.ServiceAreaCode], rnd.randint(1, 4)),
            "max_threat_level": rnd.choice([None, *c.ThreatLevel]),
            "status": rnd.choice([c.ProviderStatus.APPROVED] * 3 + [c.ProviderStatus.DRAFT,
                                                                    c.ProviderStatus.CONDITIONALLY_APPROVED]),
            "status_changed_at": now, "version": 1, "languages": [],
        })
    organisation_id = default_organisation_id()  # the test's ALL scope reads the first organisation
    decisions = [(row.pop("status"), row.pop("status_changed_at")) for row in rows]
    db.session.execute(insert(Provider), rows)
    ids = list(db.session.scalars(select(Provider.id).where(Provider.name.like(f"Bulkutförare {seed}-%"))
                                  .order_by(Provider.id)))
    db.session.execute(insert(ProviderApproval), [
        {"organisation_id": organisation_id, "provider_id": pid, "status": status, "status_changed_at": changed,
         "approved_at": changed if status != c.ProviderStatus.DRAFT else None}
        for pid, (status, changed) in zip(ids, decisions, strict=True)])
    licences, offered, reviews, flags, contracts, checks = [], [], [], [], [], []
    for pid in ids:
        licences.append({"provider_id": pid, "kind": rnd.choice(list(c.LicenceKind)), "form": c.LicenceForm.PERMIT,
                         "status": rnd.choice([c.LicenceStatus.VALID, c.LicenceStatus.VALID, c.LicenceStatus.REVOKED]),
                         "ends_on": rnd.choice([None, today + timedelta(days=30)]), "version": 1})
        for mid in rnd.sample(methods, rnd.randint(0, 2)):
            offered.append({"provider_id": pid, "method_id": mid, "trained_staff": 2, "version": 1})
        if rnd.random() < 0.7:
            reviews.append({"provider_id": pid, "organisation_id": organisation_id, "kind": c.ReviewKind.ANNUAL_QUALITY, "version": 1,
                            "performed_on": today - timedelta(days=rnd.randint(1, 700)),
                            "outcome": rnd.choice(list(c.ReviewOutcome))})
        if rnd.random() < 0.2:
            flags.append({"provider_id": pid, "rule": c.FlagRule.REVIEW_OVERDUE, "subject_key": "review",
                          "severity": rnd.choice([c.FlagSeverity.CRITICAL, c.FlagSeverity.HIGH]),
                          "status": c.FlagStatus.OPEN, "message": "x", "version": 1})
        if rnd.random() < 0.8:
            contracts.append({"provider_id": pid, "organisation_id": organisation_id, "kind": c.ContractKind.FRAMEWORK, "reference": f"B-{pid}",
                              "starts_on": today - timedelta(days=10), "ends_on": None, "version": 1,
                              "price_per_day": Decimal(rnd.randrange(2000, 4500, 100))})
        checks.append({"provider_id": pid, "organisation_id": organisation_id, "check_type": c.CheckType.TAX_REGISTRATION, "performed_at": now,
                       "performed_by_label": "bulk", "result": c.CheckOutcome.PASS, "summary": "ok", "version": 1})
    for model, data in ((Licence, licences), (ProviderMethod, offered), (Review, reviews), (Flag, flags),
                        (Contract, contracts), (BackgroundCheck, checks)):
        if data:
            db.session.execute(insert(model), data)
    return ids
