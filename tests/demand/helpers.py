"""Snapshot and requirement builders for the pure engine tests (no database)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from vendor_registry.demand.requirements import Req
from vendor_registry.demand.snapshots import LicenceSnap, MethodSnap, ProviderSnapshot

TODAY = date(2026, 6, 15)
_ids = count(1)


def snap(**kw) -> ProviderSnapshot:
    n = kw.pop("id", None) or next(_ids)
    values = {
        "id": n, "org_number": f"55{n:08d}"[-10:], "name": f"Utförare {n}", "status": "approved",
        "kinds": frozenset({"protected_housing"}), "counties_served": frozenset({"01"}),
        "target_groups": frozenset({"adults"}), "housing_forms": frozenset({"own_flat"}),
        "service_areas": frozenset({"protection_housing"}), "max_threat_level": "medium",
        "licences": (LicenceSnap("protected_housing", "valid", None),),
        "methods": (MethodSnap(1, "Kriminalitet som livsstil", "moderate", "KSL"),),
        "latest_review_on": date(2026, 1, 1), "latest_review_outcome": "satisfactory",
        "open_flags": 0, "critical_flags": 0, "lowest_price": Decimal(3000), "checks_current": True,
    }
    for key in ("kinds", "counties_served", "target_groups", "housing_forms", "service_areas"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    values.update(kw)
    return ProviderSnapshot(**values)


def must(kind, value="true") -> Req:
    return Req(str(kind), str(value), True, 0)


def want(kind, value="true", weight=1) -> Req:
    return Req(str(kind), str(value), False, weight)
