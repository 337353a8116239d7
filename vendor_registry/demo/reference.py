"""The fixed part of the demo: one login per role, the method catalogue and example profiles.

Kept apart from the provider generator so that the logins printed by ``flask demo-data`` stay
the same whatever the size or seed of the data set.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vendor_registry.codes import EvidenceLevel, Role, ServiceAreaCode
from vendor_registry.demo.story import TYPICAL_CASE

DEMO_DOMAIN = "demo.example.org"
DEMO_PASSWORDS: dict[str, str] = {
    f"admin@{DEMO_DOMAIN}": "demo-admin-2026",
    f"upphandlare@{DEMO_DOMAIN}": "demo-upphandlare-2026",
    f"enhetschef@{DEMO_DOMAIN}": "demo-enhetschef-2026",
    f"socialsekreterare@{DEMO_DOMAIN}": "demo-socialsekreterare-2026",
}
DEMO_USERS = [
    (f"admin@{DEMO_DOMAIN}", "Alva Admin (demo)", Role.ADMIN),
    (f"upphandlare@{DEMO_DOMAIN}", "Ulf Upphandlare (demo)", Role.PROCUREMENT_OFFICER),
    (f"enhetschef@{DEMO_DOMAIN}", "Eva Enhetschef (demo)", Role.SUPERVISOR),
    (f"socialsekreterare@{DEMO_DOMAIN}", "Sara Socialsekreterare (demo)", Role.SOCIAL_WORKER),
]

#: Illustrative evidence levels only: the demo does not assess any method.
DEMO_METHODS = [
    ("Kriminalitet som livsstil", "KSL", EvidenceLevel.MODERATE),
    ("Återfallsprevention", "ÅP", EvidenceLevel.MODERATE),
    ("LS/CMI – bedömning av risk och behov", "LS/CMI", EvidenceLevel.STRONG),
    ("Motiverande samtal", "MI", EvidenceLevel.STRONG),
    ("Aggression Replacement Training", "ART", EvidenceLevel.LIMITED),
    ("Traumafokuserad KBT", "TF-KBT", EvidenceLevel.STRONG),
    ("Individbaserad systematisk uppföljning", "ISU", EvidenceLevel.INSUFFICIENT),
]

def _ensure_users(session: Session, counts: dict[str, int]) -> dict[Role, Any]:
    from vendor_registry.auth.models import User

    users = {}
    for email, name, role in DEMO_USERS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=role)
            user.set_password(DEMO_PASSWORDS[email])
            session.add(user)
            counts["users"] = counts.get("users", 0) + 1
        users[role] = user
    session.flush()
    return users


def _ensure_catalogue(session: Session) -> list[Any]:
    from vendor_registry.methods.models import Method, ServiceArea

    if session.scalar(select(func.count()).select_from(ServiceArea)) == 0:
        for code in ServiceAreaCode:  # normally seeded by the first migration
            session.add(ServiceArea(code=code.value, name_sv=code.value, name_en=code.value))
    methods = []
    for name, short, level in DEMO_METHODS:
        method = session.scalar(select(Method).where(Method.name == name))
        if method is None:
            method = Method(name=name, short_name=short, evidence_level=level,
                            description=f"{name} ({short}).",
                            evidence_source="Illustrativ nivå i demodata – inte en bedömning.")
            session.add(method)
        methods.append(method)
    session.flush()
    return methods


def _profiles(session: Session, counts: dict[str, int]) -> None:
    from vendor_registry.demand.models import DemandProfile, Requirement

    profiles = {
        "Skyddat boende, vuxen med hotbild": [
            {"kind": "provider_kind", "value": "protected_housing", "mandatory": True},
            {"kind": "licence_valid", "value": "protected_housing", "mandatory": True},
            {"kind": "threat_level_at_least", "value": "high", "mandatory": True},
            {"kind": "housing_form", "value": "own_flat", "weight": 8},
            {"kind": "checks_current", "value": "true", "weight": 5},
            {"kind": "offers_service_area", "value": "trauma", "weight": 3},
        ],
        "HVB 16–20 med missbruk": [
            {"kind": "licence_valid", "value": "hvb", "mandatory": True},
            {"kind": "accepts_target_group", "value": "youth_16_20", "mandatory": True},
            {"kind": "offers_service_area", "value": "substance_abuse", "mandatory": True},
            {"kind": "method_evidence_at_least", "value": "moderate", "weight": 6},
            {"kind": "price_per_day_at_most", "value": "3500", "weight": 4},
        ],
        "Typfallet: egen lägenhet i Skåne, hög hotbild, trauma": TYPICAL_CASE,
    }
    for name, requirements in profiles.items():
        if session.scalar(select(DemandProfile).where(DemandProfile.name == name)) is not None:
            continue
        try:
            from vendor_registry.demand import services as demand_services

            demand_services.create_profile(name, "Exempelprofil i demodata.", requirements)
        except (ImportError, AttributeError):
            profile = DemandProfile(name=name, description="Exempelprofil i demodata.")
            for position, req in enumerate(requirements):
                profile.requirements.append(Requirement(
                    position=position, kind=req["kind"], value=str(req["value"]),
                    mandatory=bool(req.get("mandatory")), weight=req.get("weight")))
            session.add(profile)
        counts["demand_profiles"] = counts.get("demand_profiles", 0) + 1
    session.flush()
