"""The demo's cast: a cycle of 40 provider slots that together tell a realistic story.

Most providers are current (valid, recently verified licences, checks within their intervals,
a recent review, a contract in force). A handful each show one problem, so that every flag rule
of DOMAIN.md §4 has something to find after the sweeps run, and a supervisor's queue looks like
a real Monday rather than a wall of red. Four slots fit the typical case a social worker brings
(protected housing in an own flat in Skåne, high threat, trauma support, at most 3,500 SEK per
day), so a match finds a few providers, not none and not all.

The cycle repeats for larger data sets (index modulo 40), so the proportions hold at any size.
"""
from __future__ import annotations

from dataclasses import dataclass

from vendor_registry.codes import ProviderKind as K
from vendor_registry.codes import ProviderStatus as S

#: The typical case of a defector who needs protection (issue 12): what the fitting slots offer.
TYPICAL_COUNTY = "12"
TYPICAL_MAX_PRICE = 3500
TYPICAL_CASE = [
    {"kind": "provider_kind", "value": "protected_housing", "mandatory": True},
    {"kind": "housing_form", "value": "own_flat", "mandatory": True},
    {"kind": "serves_county", "value": TYPICAL_COUNTY, "mandatory": True},
    {"kind": "threat_level_at_least", "value": "high", "mandatory": True},
    {"kind": "offers_service_area", "value": "trauma", "mandatory": True},
    {"kind": "price_per_day_at_most", "value": str(TYPICAL_MAX_PRICE), "mandatory": True},
]


@dataclass(frozen=True)
class Slot:
    """One provider's part in the story: its status, kinds, at most one problem, and whether it
    fits the typical case. A problem is named after the flag rule it should raise, or after a
    licence situation (``applied``, ``revoked``, ``appealed``, ``expired``, ``unknown``)."""

    status: S
    kinds: tuple[K, ...]
    problem: str | None = None
    fits_typical_case: bool = False


PH, HVB, DS, SH, OUT, OTHER = (K.PROTECTED_HOUSING, K.HVB, K.DEFECTOR_SUPPORT, K.SUPPORTED_HOUSING,
                               K.OUTPATIENT, K.OTHER)
A, C = S.APPROVED, S.CONDITIONALLY_APPROVED

SLOTS: tuple[Slot, ...] = (
    Slot(A, (PH,), fits_typical_case=True),
    Slot(A, (PH, HVB)),
    Slot(A, (HVB,), "licence_expiring"),
    Slot(A, (DS,)),
    Slot(A, (DS, OUT), "contract_expiring"),
    Slot(A, (SH,)),
    Slot(A, (OUT,)),
    Slot(A, (PH, DS), fits_typical_case=True),
    Slot(A, (OTHER,), "review_missing"),
    Slot(C, (PH, HVB), "licence_unverified"),
    Slot(A, (PH,), "licence_mismatch"),
    Slot(A, (HVB,)),
    Slot(S.UNDER_REVIEW, (HVB,), "applied"),  # permit applied for, not granted: licence_missing
    Slot(A, (DS,), "check_overdue"),
    Slot(A, (PH, HVB), fits_typical_case=True),
    Slot(S.SUSPENDED, (PH,), "revoked"),  # licence_lapsed (and licence_missing)
    Slot(A, (SH,), "review_overdue"),
    Slot(S.DRAFT, (DS,)),
    Slot(A, (PH,), "check_error"),
    Slot(A, (OUT,), "certification_expired"),
    Slot(A, (HVB,), "contract_expired"),
    Slot(S.UNDER_REVIEW, (DS, OUT), "check_failed"),
    Slot(A, (PH, DS)),
    Slot(S.REJECTED, (PH,), "unknown"),
    Slot(A, (HVB,), "review_actions_overdue"),
    Slot(C, (SH,)),
    Slot(A, (DS,), "contract_expiring"),
    Slot(A, (PH,), fits_typical_case=True),
    Slot(A, (OTHER,)),
    Slot(S.SUSPENDED, (HVB,), "appealed"),  # revocation appealed: licence_missing while it runs
    Slot(A, (DS, OUT)),
    Slot(S.INACTIVE, (PH,), "expired"),
    Slot(A, (OUT,)),
    Slot(S.UNDER_REVIEW, (PH,), "check_concern"),
    Slot(A, (HVB,)),
    Slot(C, (DS,), "certification_expired"),
    Slot(A, (PH, HVB), "licence_expiring"),
    Slot(S.DRAFT, (PH,)),
    Slot(S.INACTIVE, (OUT,)),
    Slot(A, (SH,)),
)


def slot(index: int) -> Slot:
    return SLOTS[index % len(SLOTS)]
