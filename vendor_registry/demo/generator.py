"""A believable, clearly fictional Swedish data set, of any size.

Every name is invented and every organisation number is generated (valid check digit, in
ranges chosen for the demo); nothing describes a real provider, and nothing describes a
person who receives support. Dates are relative to today. Who is current and who has which
problem is the story of ``story.py``: most providers current, a handful raising each flag
rule, so that a fresh demo looks like a real registry. The same generator makes 40 providers
for `make run` and thousands for benchmarks; the seed alone decides names and places.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vendor_registry import clock
from vendor_registry.audit.listener import insert_audited
from vendor_registry.bulkwrite import paused_gc
from vendor_registry.codes import (
    COUNTIES,
    DEFAULT_CHECK_INTERVAL_DAYS,
    CheckOutcome,
    CheckType,
    ContractKind,
    HousingForm,
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    Ownership,
    ProviderKind,
    ProviderStatus,
    ReviewKind,
    ReviewOutcome,
    ServiceAreaCode,
    TargetGroup,
    ThreatLevel,
    VerificationMethod,
)
from vendor_registry.demo.reference import (  # noqa: F401 (DEMO_PASSWORDS: the CLI prints them)
    DEMO_DOMAIN,
    DEMO_PASSWORDS,
    DEMO_USERS,
    _ensure_catalogue,
    _ensure_users,
    _profiles,
)
from vendor_registry.demo.second import add_second_organisation
from vendor_registry.demo.story import TYPICAL_COUNTY, Slot, slot
from vendor_registry.organisations.tenancy import organisation_for_writes
from vendor_registry.providers.orgnr import with_check_digit

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
_LICENSED = {ProviderKind.HVB: LicenceKind.HVB, ProviderKind.PROTECTED_HOUSING: LicenceKind.PROTECTED_HOUSING,
             ProviderKind.SUPPORTED_HOUSING: LicenceKind.SUPPORTED_HOUSING}
_APPROVED = (ProviderStatus.APPROVED, ProviderStatus.CONDITIONALLY_APPROVED, ProviderStatus.SUSPENDED)
#: Licence situations of the story and the status each records.
_LICENCE_STATUS = {"applied": LicenceStatus.APPLIED, "revoked": LicenceStatus.REVOKED, "expired": LicenceStatus.EXPIRED,
                   "appealed": LicenceStatus.REVOCATION_APPEALED, "unknown": LicenceStatus.UNKNOWN}


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
        #: Rows nothing else refers to, per model, written in bulk at the end of each batch.
        self.pending: dict[Any, list[dict[str, Any]]] = {}
        #: Reviews, each with its follow-up action or None (the action needs the review's id).
        self.reviews: list[tuple[dict[str, Any], dict[str, Any] | None]] = []

    def add_row(self, model: Any, **values: Any) -> None:
        self.pending.setdefault(model, []).append(values)

    def write_pending(self) -> None:
        """One audited bulk insert per model instead of an ORM object (and its flush and
        audit-listener work) per row: every row of the demo but the users and the catalogue."""
        from vendor_registry.reviews.models import Review, ReviewAction

        for model, rows in self.pending.items():
            insert_audited(self.session, model, rows)
        self.pending = {}
        review_ids = insert_audited(self.session, Review, [review for review, _action in self.reviews])
        insert_audited(self.session, ReviewAction, [{**action, "review_id": review_id} for (_review, action), review_id
                                                    in zip(self.reviews, review_ids, strict=True) if action is not None])
        self.reviews = []

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


def _approval_day(b: _Builder, part: Slot) -> date:
    """When the current status was reached; the story's problems need some history behind them."""
    if part.status in (ProviderStatus.DRAFT, ProviderStatus.UNDER_REVIEW):
        return b.days_ago(3, 45)
    if part.problem == "review_missing":
        return b.days_ago(130, 300)
    if part.problem == "review_overdue":
        return b.days_ago(700, 1100)
    return b.days_ago(60, 900)


@dataclass
class _New:
    """What the rest of a batch reads of a provider just written (no ORM object is made)."""

    id: int
    kinds: list[str]
    ownership: Ownership
    status: ProviderStatus
    status_changed_at: datetime
    approved_at: datetime | None


def _provider(b: _Builder, index: int, part: Slot) -> tuple[dict[str, Any], dict[str, Any]]:
    """A provider's row and its approval's row (the demo organisation's decision). Code lists
    sorted and without repeats, as the ORM holds them (and the audit event records them)."""
    rng = b.rng
    kinds = list(part.kinds)
    status = part.status
    ownership = rng.choices([Ownership.PRIVATE, Ownership.NON_PROFIT, Ownership.PUBLIC], [6, 3, 1])[0]
    county = rng.choice(list(COUNTIES))
    served = {county, *rng.sample(list(COUNTIES), rng.randint(0, 5))}
    name = f"{rng.choice(_PREFIX)} {rng.choice(_SUFFIX[kinds[0]])} {index + 1}"
    name += {Ownership.PRIVATE: " AB", Ownership.NON_PROFIT: " (ideell förening)", Ownership.PUBLIC: " (kommunal)"}[ownership]
    housing = any(k in _LICENSED for k in kinds)
    groups = rng.sample([g.value for g in TargetGroup], rng.randint(1, 3))
    if ProviderKind.SUPPORTED_HOUSING in kinds:
        groups = [TargetGroup.YOUTH_16_20.value]
    forms = rng.sample([f.value for f in HousingForm], rng.randint(1, 2)) if housing else []
    threat = rng.choice(list(ThreatLevel))
    areas = set(rng.sample([a.value for a in ServiceAreaCode], rng.randint(2, 5)))
    if ProviderKind.PROTECTED_HOUSING in kinds:
        areas.add(ServiceAreaCode.PROTECTION_HOUSING.value)
    if part.fits_typical_case:
        served.add(TYPICAL_COUNTY)
        forms = sorted({*forms, HousingForm.OWN_FLAT.value})
        threat = ThreatLevel.HIGH
        areas.add(ServiceAreaCode.TRAUMA.value)
    status_day = _approval_day(b, part)
    provider = {
        "org_number": b.org_number(ownership), "name": name, "kinds": sorted({k.value for k in kinds}), "ownership": ownership,
        "municipality": rng.choice(_MUNICIPALITIES[county]), "county": county, "counties_served": sorted(served),
        "capacity": rng.randint(2, 40) if housing else None, "target_groups": sorted(set(groups)), "housing_forms": sorted(set(forms)),
        "max_threat_level": threat,
        "languages": sorted(rng.sample(["svenska", "engelska", "arabiska", "somaliska", "persiska", "tigrinja"],
                                       rng.randint(1, 3))),
        "service_areas": sorted(areas),
        "contact_name": "Kontaktperson (demo)", "contact_email": f"kontakt{index + 1}@{DEMO_DOMAIN}",
        "contact_phone": f"010-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
    }
    approval = {
        "status": status, "status_changed_at": _at(status_day),
        "approved_at": _at(status_day) if status in _APPROVED else None,
        "conditions": "Ska redovisa personalens utbildning i KSL." if status == ProviderStatus.CONDITIONALLY_APPROVED else None,
        "conditions_until": b.today + timedelta(days=120) if status == ProviderStatus.CONDITIONALLY_APPROVED else None,
    }
    b.bump("providers")
    return provider, approval


def _providers(b: _Builder, cast: list[tuple[int, Slot]]) -> list[tuple[_New, Slot]]:
    """A batch of providers and their approvals, in two audited bulk inserts; the flags of
    every one are judged at the commit."""
    from vendor_registry.flags.refresh import note_written
    from vendor_registry.providers.models import Provider, ProviderApproval

    built = [(*_provider(b, index, part), part) for index, part in cast]
    ids = insert_audited(b.session, Provider, [provider for provider, _approval, _part in built])
    insert_audited(b.session, ProviderApproval, [{"provider_id": provider_id, **approval}
                                                 for provider_id, (_p, approval, _part) in zip(ids, built, strict=True)])
    note_written(b.session, ids)
    return [(_New(id=provider_id, kinds=provider["kinds"], ownership=provider["ownership"], status=approval["status"],
                  status_changed_at=approval["status_changed_at"], approved_at=approval["approved_at"]), part)
            for provider_id, (provider, approval, part) in zip(ids, built, strict=True)]


def _approval_events(b: _Builder, provider: Any, part: Slot) -> None:
    from vendor_registry.providers.models import ApprovalEvent

    status, status_day = provider.status, provider.status_changed_at.date()
    b.add_row(ApprovalEvent, provider_id=provider.id, from_status=None, to_status=ProviderStatus.DRAFT,
              actor_label="demo-data", reason="Registrerad (demodata)",
              created_at=_at(status_day - timedelta(days=30)))
    if status != ProviderStatus.DRAFT:
        b.add_row(ApprovalEvent, provider_id=provider.id, from_status=ProviderStatus.DRAFT, to_status=status,
                  actor_label="demo-data", reason=_REASONS.get(part.problem, "Beslut i demodata"),
                  created_at=_at(status_day))


_REASONS = {"revoked": "IVO har återkallat tillståndet (demo).", "appealed": "Återkallelsen är överklagad (demo).",
            "applied": "Väntar på IVO:s beslut om tillstånd (demo)."}


def _licences(b: _Builder, provider: Any, part: Slot) -> list[dict[str, Any]]:
    """One licence per licensed kind: current, except the first when the story gives it a problem."""
    rows: list[dict[str, Any]] = []
    first = None
    for kind in (k for k in map(ProviderKind, provider.kinds) if k in _LICENSED):
        problem = part.problem if first is None else None
        form = LicenceForm.NOTIFICATION if (provider.ownership == Ownership.PUBLIC and kind == ProviderKind.PROTECTED_HOUSING) else LicenceForm.PERMIT
        granted = b.days_ago(200, 2000)
        status = _LICENCE_STATUS.get(problem or "", LicenceStatus.VALID)
        ends = b.today + timedelta(days=b.rng.randint(200, 1500)) if b.rng.random() < 0.3 else None
        if problem == "licence_expiring":
            ends = b.today + timedelta(days=b.rng.randint(10, 55))
        elif problem == "expired":
            ends = b.today - timedelta(days=b.rng.randint(5, 90))
        verified: datetime | None = _at(b.days_ago(1, 25))
        if problem == "licence_unverified":
            verified = _at(b.days_ago(45, 200))
        elif provider.status == ProviderStatus.DRAFT:
            verified = None
        licence = {
            "provider_id": provider.id, "kind": _LICENSED[kind], "form": form,
            "ivo_reference": f"3.5.1-{b.rng.randint(10000, 99999)}/{granted.year}", "scope": "Vuxna och familjer",
            "granted_on": granted, "ends_on": ends, "status": status, "last_verified_at": verified,
            "verification_method": VerificationMethod.MANUAL if verified else None,
            "evidence": "Tillståndsbevis (demo)" if verified else None,
        }
        rows.append(licence)
        first = first or licence
        b.bump("licences")
    return rows


def _first_licence_ids(b: _Builder, per_provider: list[list[dict[str, Any]]]) -> list[int | None]:
    """The batch's licences in one audited bulk insert; each provider's first licence's id (an
    IVO register answer names our licence by id)."""
    from vendor_registry.licences.models import Licence

    ids = iter(insert_audited(b.session, Licence, [row for rows in per_provider for row in rows]))
    firsts: list[int | None] = []
    for rows in per_provider:
        taken = [next(ids) for _row in rows]
        firsts.append(taken[0] if taken else None)
    return firsts


def _methods(b: _Builder, provider: Any, methods: list[Any], part: Slot) -> None:
    from vendor_registry.methods.models import ProviderMethod

    chosen = b.rng.sample(methods, b.rng.randint(1 if part.problem == "certification_expired" else 0, 3))
    for position, method in enumerate(chosen):
        cert = b.today + timedelta(days=b.rng.randint(60, 700)) if b.rng.random() < 0.5 else None
        if position == 0 and part.problem == "certification_expired":
            cert = b.today - timedelta(days=b.rng.randint(1, 60))
        b.add_row(ProviderMethod, provider_id=provider.id, method_id=method.id,
                  trained_staff=b.rng.randint(1, 12), certification_ends_on=cert)
        b.bump("offered_methods")


def _contracts(b: _Builder, provider: Any, part: Slot) -> None:
    from vendor_registry.contracts.models import Contract

    if provider.status not in _APPROVED:
        return
    start = max(b.days_ago(100, 900), provider.approved_at.date())
    ends = b.today + timedelta(days=b.rng.randint(120, 1000))
    if part.problem == "contract_expiring":
        ends = b.today + timedelta(days=b.rng.randint(10, 80))
    elif part.problem == "contract_expired":
        ends = b.today - timedelta(days=b.rng.randint(1, 60))
        start = min(start, ends - timedelta(days=365))
    price = b.rng.randrange(2700, 3450, 50) if part.fits_typical_case else b.rng.randrange(2400, 3950, 50)
    b.add_row(
        Contract,
        provider_id=provider.id, kind=b.rng.choice(list(ContractKind)), reference=f"KS-{start.year}-{b.rng.randint(100, 999)}",
        starts_on=start, ends_on=ends, price_per_day=Decimal(price),
        scope="Skyddat boende och stödinsatser enligt avtal (demo)",
    )
    b.bump("contracts")


_SUMMARIES = {CheckOutcome.PASS: "Inga anmärkningar (demo).", CheckOutcome.CONCERN: "Anmärkning som ska följas upp (demo).",
              CheckOutcome.FAIL: "Underkänd kontroll (demo).", CheckOutcome.ERROR: "Källan svarade inte (demo)."}
#: The check type each check problem concerns, and the latest result it records.
_CHECK_PROBLEMS = {"check_failed": (CheckType.VALUES_DECLARATION, CheckOutcome.FAIL),
                   "check_concern": (CheckType.FINANCIAL_STANDING, CheckOutcome.CONCERN),
                   "check_overdue": (CheckType.INSURANCE, CheckOutcome.PASS)}


def _checks(b: _Builder, provider: Any, part: Slot, licence_id: int | None) -> None:
    """Every check type, answered within its interval; the story's problems bend one type."""
    if provider.status == ProviderStatus.DRAFT:
        return
    licensed = any(k in _LICENSED for k in map(ProviderKind, provider.kinds))
    for check_type in CheckType:
        if check_type == CheckType.IVO_REGISTER and not licensed:
            continue
        interval = DEFAULT_CHECK_INTERVAL_DAYS[check_type]
        age = b.rng.randint(1, max(interval - 10, 2))
        result, details, summary = CheckOutcome.PASS, None, None
        problem_type, problem_result = _CHECK_PROBLEMS.get(part.problem or "", (None, None))
        if check_type == problem_type:
            result = problem_result or result
            if part.problem == "check_overdue":
                age = b.rng.randint(interval + 10, interval + 90)
        if part.problem == "licence_mismatch" and check_type == CheckType.IVO_REGISTER and licence_id is not None:
            age, result = b.rng.randint(1, 5), CheckOutcome.CONCERN
            details = {"licences": {str(licence_id): LicenceStatus.REVOKED.value}}
            summary = "IVO:s register anger att tillståndet är återkallat (demo)."
        _add_check(b, provider, check_type, b.today - timedelta(days=age), result, details, summary)
        if part.problem == "check_error" and check_type == CheckType.COMPANY_REGISTRY:
            for days in (3, 2, 1):  # three unanswered automatic runs after the last answer
                _add_check(b, provider, check_type, b.today - timedelta(days=days), CheckOutcome.ERROR)


def _add_check(b: _Builder, provider: Any, check_type: CheckType, performed: date, result: CheckOutcome,
               details: dict | None = None, summary: str | None = None) -> None:
    from vendor_registry.background_checks.models import BackgroundCheck

    b.add_row(
        BackgroundCheck,
        provider_id=provider.id, check_type=check_type, performed_at=_at(performed),
        performed_by_label="demo-data", automatic=check_type.automatic, result=result,
        # a public register's answer is shared; a manual check is the organisation's own
        organisation_id=None if check_type.automatic else organisation_for_writes(),
        summary=summary or _SUMMARIES[result], details=details,
        evidence=None if result == CheckOutcome.ERROR else "Demodokument",
        next_due_on=performed + timedelta(days=DEFAULT_CHECK_INTERVAL_DAYS[check_type]),
    )
    b.bump("checks")


def _reviews(b: _Builder, provider: Any, part: Slot) -> None:
    """A review since approval for approved providers (none within the first 90 days is normal)."""
    if provider.status not in _APPROVED or part.problem == "review_missing":
        return
    approved_age = (b.today - provider.approved_at.date()).days
    if approved_age < 90 and part.problem is None:
        return
    performed = b.days_ago(10, max(11, min(300, approved_age - 5)))
    outcome = b.rng.choices([ReviewOutcome.SATISFACTORY, ReviewOutcome.DEFICIENCIES], [5, 1])[0]
    if part.problem == "review_overdue":
        performed = b.days_ago(380, min(600, approved_age - 5))
    elif part.problem == "review_actions_overdue":
        performed, outcome = b.days_ago(90, 200), ReviewOutcome.DEFICIENCIES
    review = dict(
        provider_id=provider.id, kind=b.rng.choice(list(ReviewKind)), performed_on=performed, outcome=outcome,
        summary="Uppföljning av leverans och kvalitet (demo).",
        **{f"rating_{d}": b.rng.randint(3 if outcome == ReviewOutcome.SATISFACTORY else 2, 5) for d in
           ("delivered_as_agreed", "staff_competence", "safety", "cooperation", "documentation")},
    )
    action = None
    if outcome != ReviewOutcome.SATISFACTORY:
        deadline = performed + timedelta(days=60)
        done = None if part.problem == "review_actions_overdue" or deadline > b.today else deadline - timedelta(days=5)
        action = {"provider_id": provider.id, "description": "Redovisa åtgärdsplan för dokumentationen.",
                  "deadline": deadline, "completed_on": done}
    b.reviews.append((review, action))
    b.bump("reviews")


_BATCH = 200


def generate(session: Session, providers: int = 40, seed: int = 2026, today: date | None = None) -> dict[str, int]:
    """Adds ``providers`` fictional providers with their records; returns what was added.

    The cyclic garbage collector is paused meanwhile: the ORM objects of a large set (20,000
    providers, ~300,000 rows) would otherwise be walked by every generation-2 collection."""
    with paused_gc():
        return _generate(session, providers, seed, today or clock.today())  # the Stockholm day the sweeps use


def _generate(session: Session, providers: int, seed: int, today: date) -> dict[str, int]:
    builder = _Builder(session, seed, today)
    _ensure_users(session, builder.counts)
    methods = _ensure_catalogue(session)
    start = session.scalar(select(func.count()).select_from(_provider_model())) or 0
    first_ids: list[int] = []  # the run's first providers: the second organisation decides on them
    # In batches of audited bulk inserts: providers, then licences (their ids), then the rest.
    for first in range(0, providers, _BATCH):
        cast = [(start + offset, slot(start + offset)) for offset in range(first, min(first + _BATCH, providers))]
        made = _providers(builder, cast)
        if not first_ids:
            first_ids = [provider.id for provider, _part in made]
        licences = _first_licence_ids(builder, [_licences(builder, provider, part) for provider, part in made])
        for (provider, part), licence_id in zip(made, licences, strict=True):
            _approval_events(builder, provider, part)
            _methods(builder, provider, methods, part)
            _contracts(builder, provider, part)
            _checks(builder, provider, part, licence_id)
            _reviews(builder, provider, part)
        builder.write_pending()
    session.flush()
    _profiles(session, builder.counts)
    add_second_organisation(session, first_ids, today, builder.counts)
    return builder.counts
