"""A believable, clearly fictional Swedish data set, of any size.

Every name is invented and every organisation number is generated (valid check digit, in
ranges chosen for the demo); nothing describes a real provider, and nothing describes a
person who receives support. Dates are relative to today, so that a fresh demo always has
lapsed and expiring licences, overdue checks and missing reviews for the sweeps to find.
The same generator makes 40 providers for `make run` and thousands for benchmarks.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vendor_registry import clock
from vendor_registry.codes import (
    COUNTIES,
    DEFAULT_CHECK_INTERVAL_DAYS,
    CheckOutcome,
    CheckType,
    ContractKind,
    EvidenceLevel,
    HousingForm,
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    Ownership,
    ProviderKind,
    ProviderStatus,
    ReviewKind,
    ReviewOutcome,
    Role,
    ServiceAreaCode,
    TargetGroup,
    ThreatLevel,
    VerificationMethod,
)
from vendor_registry.providers.orgnr import with_check_digit

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

_PREFIX = ["Trygga", "Nya", "Vägen", "Fristad", "Ankaret", "Brobyggarna", "Norrsken", "Klippan",
           "Lotsen", "Stegvis", "Framtid", "Ledstjärnan", "Vändpunkt", "Hamnen", "Kompassen", "Tillflykt"]
_SUFFIX = {
    ProviderKind.DEFECTOR_SUPPORT: ["Avhopparstöd", "Exit & stöd", "Vägledning"],
    ProviderKind.HVB: ["HVB", "Behandlingshem", "Ungdomshem"],
    ProviderKind.PROTECTED_HOUSING: ["Skyddat boende", "Skyddsboende", "Trygghetsboende"],
    ProviderKind.SUPPORTED_HOUSING: ["Stödboende", "Utslussning"],
    ProviderKind.OUTPATIENT: ["Öppenvård", "Mottagning"],
    ProviderKind.OTHER: ["Stiftelsen", "Nätverket"],
}
_MUNICIPALITIES = {
    "01": ["Stockholm", "Södertälje", "Norrtälje"], "03": ["Uppsala", "Enköping"], "04": ["Eskilstuna", "Nyköping"],
    "05": ["Linköping", "Norrköping"], "06": ["Jönköping", "Värnamo"], "07": ["Växjö", "Ljungby"],
    "08": ["Kalmar", "Västervik"], "09": ["Gotland"], "10": ["Karlskrona", "Ronneby"], "12": ["Malmö", "Lund", "Kristianstad"],
    "13": ["Halmstad", "Varberg"], "14": ["Göteborg", "Borås", "Trollhättan"], "17": ["Karlstad", "Arvika"],
    "18": ["Örebro", "Karlskoga"], "19": ["Västerås", "Köping"], "20": ["Falun", "Borlänge"],
    "21": ["Gävle", "Sandviken"], "22": ["Sundsvall", "Härnösand"], "23": ["Östersund"],
    "24": ["Umeå", "Skellefteå"], "25": ["Luleå", "Kiruna"],
}
_OWNERSHIP_PREFIX = {Ownership.PRIVATE: "5599", Ownership.NON_PROFIT: "8029", Ownership.PUBLIC: "2129"}
_KIND_MIX = [
    [ProviderKind.PROTECTED_HOUSING], [ProviderKind.PROTECTED_HOUSING, ProviderKind.HVB],
    [ProviderKind.HVB], [ProviderKind.DEFECTOR_SUPPORT], [ProviderKind.DEFECTOR_SUPPORT, ProviderKind.OUTPATIENT],
    [ProviderKind.SUPPORTED_HOUSING], [ProviderKind.OUTPATIENT], [ProviderKind.PROTECTED_HOUSING, ProviderKind.DEFECTOR_SUPPORT],
    [ProviderKind.OTHER],
]
_LICENSED = {ProviderKind.HVB: LicenceKind.HVB, ProviderKind.PROTECTED_HOUSING: LicenceKind.PROTECTED_HOUSING,
             ProviderKind.SUPPORTED_HOUSING: LicenceKind.SUPPORTED_HOUSING}
_STATUS_MIX = ([ProviderStatus.APPROVED] * 10 + [ProviderStatus.CONDITIONALLY_APPROVED] * 2
               + [ProviderStatus.UNDER_REVIEW] * 2 + [ProviderStatus.DRAFT, ProviderStatus.SUSPENDED,
                                                       ProviderStatus.REJECTED, ProviderStatus.INACTIVE])
_APPROVED = (ProviderStatus.APPROVED, ProviderStatus.CONDITIONALLY_APPROVED, ProviderStatus.SUSPENDED)


def _at(day: date, hour: int = 10) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


class _Builder:
    def __init__(self, session: Session, seed: int, today: date):
        self.session = session
        self.rng = random.Random(seed)
        self.today = today
        self.counts: dict[str, int] = {}
        self.licence_seq = 0
        self.method_seq = 0
        self.used_org: set[str] = set(session.scalars(select(_provider_model().org_number)))

    def bump(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def org_number(self, ownership: Ownership) -> str:
        while True:
            number = with_check_digit(_OWNERSHIP_PREFIX[ownership] + f"{self.rng.randrange(0, 100000):05d}")
            if number not in self.used_org:
                self.used_org.add(number)
                return number

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))


def _provider_model():
    from vendor_registry.providers.models import Provider

    return Provider


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


def _provider(b: _Builder, index: int) -> Any:
    from vendor_registry.providers.models import ApprovalEvent, Provider

    rng = b.rng
    kinds = _KIND_MIX[index % len(_KIND_MIX)]
    ownership = rng.choices([Ownership.PRIVATE, Ownership.NON_PROFIT, Ownership.PUBLIC], [6, 3, 1])[0]
    county = rng.choice(list(COUNTIES))
    served = sorted({county, *rng.sample(list(COUNTIES), rng.randint(0, 5))})
    status = _STATUS_MIX[index % len(_STATUS_MIX)]
    name = f"{rng.choice(_PREFIX)} {rng.choice(_SUFFIX[kinds[0]])} {index + 1}"
    name += {Ownership.PRIVATE: " AB", Ownership.NON_PROFIT: " (ideell förening)", Ownership.PUBLIC: " (kommunal)"}[ownership]
    housing = ProviderKind.PROTECTED_HOUSING in kinds or ProviderKind.HVB in kinds or ProviderKind.SUPPORTED_HOUSING in kinds
    groups = rng.sample([g.value for g in TargetGroup], rng.randint(1, 3))
    if ProviderKind.SUPPORTED_HOUSING in kinds:
        groups = [TargetGroup.YOUTH_16_20.value]
    status_day = b.days_ago(20, 500)
    provider = Provider(
        org_number=b.org_number(ownership), name=name, kinds=[k.value for k in kinds], ownership=ownership,
        municipality=rng.choice(_MUNICIPALITIES[county]), county=county, counties_served=served,
        capacity=rng.randint(2, 40) if housing else None, target_groups=groups,
        housing_forms=rng.sample([f.value for f in HousingForm], rng.randint(1, 2)) if housing else [],
        max_threat_level=rng.choice(list(ThreatLevel)),
        languages=rng.sample(["svenska", "engelska", "arabiska", "somaliska", "persiska", "tigrinja"], rng.randint(1, 3)),
        service_areas=sorted(rng.sample([a.value for a in ServiceAreaCode], rng.randint(2, 5))
                             + (["protection_housing"] if ProviderKind.PROTECTED_HOUSING in kinds else [])),
        contact_name="Kontaktperson (demo)", contact_email=f"kontakt{index + 1}@{DEMO_DOMAIN}",
        contact_phone=f"010-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        status=status, status_changed_at=_at(status_day),
        approved_at=_at(status_day) if status in _APPROVED else None,
        conditions="Ska redovisa personalens utbildning i KSL." if status == ProviderStatus.CONDITIONALLY_APPROVED else None,
        conditions_until=b.today + timedelta(days=120) if status == ProviderStatus.CONDITIONALLY_APPROVED else None,
    )
    b.session.add(provider)
    b.session.flush()
    b.session.add(ApprovalEvent(provider_id=provider.id, from_status=None, to_status=ProviderStatus.DRAFT,
                                actor_label="demo-data", reason="Registrerad (demodata)",
                                created_at=_at(status_day - timedelta(days=30))))
    if status != ProviderStatus.DRAFT:
        b.session.add(ApprovalEvent(provider_id=provider.id, from_status=ProviderStatus.DRAFT, to_status=status,
                                    actor_label="demo-data", reason="Beslut i demodata", created_at=_at(status_day)))
    b.bump("providers")
    return provider


def _licences(b: _Builder, provider: Any, index: int) -> None:
    from vendor_registry.licences.models import Licence

    # Cycle through every licence situation the sweeps must see.
    situations = ["valid", "valid", "expiring", "revoked", "expired", "never_verified", "stale", "applied",
                  "appealed", "unknown", "valid", "missing"]
    for kind in (k for k in map(ProviderKind, provider.kinds) if k in _LICENSED):
        situation = situations[b.licence_seq % len(situations)]
        b.licence_seq += 1
        if situation == "missing":
            continue
        form = LicenceForm.NOTIFICATION if (provider.ownership == Ownership.PUBLIC and kind == ProviderKind.PROTECTED_HOUSING) else LicenceForm.PERMIT
        granted = b.days_ago(200, 2000)
        status = {"revoked": LicenceStatus.REVOKED, "expired": LicenceStatus.EXPIRED, "applied": LicenceStatus.APPLIED,
                  "appealed": LicenceStatus.REVOCATION_APPEALED, "unknown": LicenceStatus.UNKNOWN}.get(situation, LicenceStatus.VALID)
        ends = None
        if situation == "expiring":
            ends = b.today + timedelta(days=b.rng.randint(5, 55))
        elif situation == "expired":
            ends = b.today - timedelta(days=b.rng.randint(5, 90))
        verified = None if situation == "never_verified" else _at(b.days_ago(60, 200) if situation == "stale" else b.days_ago(1, 25))
        b.session.add(Licence(
            provider_id=provider.id, kind=_LICENSED[kind], form=form,
            ivo_reference=f"3.5.1-{b.rng.randint(10000, 99999)}/{granted.year}", scope="Vuxna och familjer",
            granted_on=granted, ends_on=ends, status=status, last_verified_at=verified,
            verification_method=VerificationMethod.MANUAL if verified else None,
            evidence="Tillståndsbevis (demo)" if verified else None,
        ))
        b.bump("licences")


def _methods(b: _Builder, provider: Any, methods: list[Any]) -> None:
    from vendor_registry.methods.models import ProviderMethod

    for method in b.rng.sample(methods, b.rng.randint(0, 3)):
        b.method_seq += 1
        cert = None
        if b.method_seq % 7 == 0:  # some certifications have lapsed, for the sweep to find
            cert = b.today - timedelta(days=b.rng.randint(1, 60))
        elif b.rng.random() < 0.5:
            cert = b.today + timedelta(days=b.rng.randint(1, 700))
        b.session.add(ProviderMethod(provider_id=provider.id, method_id=method.id,
                                     trained_staff=b.rng.randint(1, 12), certification_ends_on=cert))
        b.bump("offered_methods")


def _contracts(b: _Builder, provider: Any) -> None:
    from vendor_registry.contracts.models import Contract

    if provider.status not in _APPROVED:
        return
    start = b.days_ago(100, 900)
    roll = b.rng.random()
    ends = start + timedelta(days=730) if roll < 0.7 else b.today + timedelta(days=b.rng.randint(10, 80))
    if roll > 0.9:
        ends = b.today - timedelta(days=b.rng.randint(1, 60))
    b.session.add(Contract(
        provider_id=provider.id, kind=b.rng.choice(list(ContractKind)), reference=f"KS-{start.year}-{b.rng.randint(100, 999)}",
        starts_on=start, ends_on=ends, price_per_day=Decimal(b.rng.randrange(2400, 3900, 50)),
        scope="Skyddat boende och stödinsatser enligt avtal (demo)",
    ))
    b.bump("contracts")


def _checks(b: _Builder, provider: Any) -> None:
    from vendor_registry.background_checks.models import BackgroundCheck

    if provider.status == ProviderStatus.DRAFT:
        return
    for check_type in CheckType:
        if check_type == CheckType.IVO_REGISTER and not any(k in _LICENSED for k in map(ProviderKind, provider.kinds)):
            continue
        interval = DEFAULT_CHECK_INTERVAL_DAYS[check_type]
        roll = b.rng.random()
        if roll < 0.08:
            continue  # never checked
        age = b.rng.randint(interval + 5, interval + 120) if roll < 0.25 else b.rng.randint(1, max(interval - 5, 2))
        performed = b.today - timedelta(days=age)
        result = CheckOutcome.PASS
        if b.rng.random() < 0.08:
            result = b.rng.choice([CheckOutcome.CONCERN, CheckOutcome.FAIL])
        b.session.add(BackgroundCheck(
            provider_id=provider.id, check_type=check_type, performed_at=_at(performed),
            performed_by_label="demo-data", automatic=check_type.automatic, result=result,
            summary={CheckOutcome.PASS: "Inga anmärkningar (demo).", CheckOutcome.CONCERN: "Anmärkning som ska följas upp (demo).",
                     CheckOutcome.FAIL: "Underkänd kontroll (demo)."}[result],
            evidence="Demodokument", next_due_on=performed + timedelta(days=interval),
        ))
        b.bump("checks")


def _reviews(b: _Builder, provider: Any) -> None:
    from vendor_registry.reviews.models import Review, ReviewAction

    if provider.status not in _APPROVED or b.rng.random() < 0.25:
        return  # some approved providers have no review at all
    performed = b.days_ago(20, 500)
    outcome = b.rng.choices(list(ReviewOutcome), [1, 3, 8])[0]
    review = Review(
        provider_id=provider.id, kind=b.rng.choice(list(ReviewKind)), performed_on=performed, outcome=outcome,
        summary="Uppföljning av leverans och kvalitet (demo).",
        **{f"rating_{d}": b.rng.randint(2, 5) for d in
           ("delivered_as_agreed", "staff_competence", "safety", "cooperation", "documentation")},
    )
    b.session.add(review)
    b.session.flush()
    if outcome != ReviewOutcome.SATISFACTORY:
        b.session.add(ReviewAction(review_id=review.id, provider_id=provider.id,
                                   description="Redovisa åtgärdsplan för dokumentationen.",
                                   deadline=performed + timedelta(days=60)))
    b.bump("reviews")


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


def generate(session: Session, providers: int = 40, seed: int = 2026, today: date | None = None) -> dict[str, int]:
    """Adds ``providers`` fictional providers with their records; returns what was added."""
    today = today or clock.today()
    builder = _Builder(session, seed, today)
    _ensure_users(session, builder.counts)
    methods = _ensure_catalogue(session)
    start = session.scalar(select(func.count()).select_from(_provider_model())) or 0
    for offset in range(providers):
        index = start + offset
        provider = _provider(builder, index)
        _licences(builder, provider, index)
        _methods(builder, provider, methods)
        _contracts(builder, provider)
        _checks(builder, provider)
        _reviews(builder, provider)
        if offset % 200 == 199:
            session.flush()
    session.flush()
    _profiles(session, builder.counts)
    return builder.counts
