"""Two organisations with a full set of records each, for the organisation-isolation test.

Organisation A is the first organisation (where the test's signed-in people work); B is a second
one whose own records carry unique ASCII markers (ASCII so they survive HTML escaping, JSON's
``\\u`` escapes, CSV and the XML inside an XLSX). No answer to A may contain any of them. The
shared records carry markers too: a shared record's page must show them to A.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.factories import (
    make_check,
    make_contract,
    make_licence,
    make_method,
    make_organisation,
    make_provider,
    make_review,
    make_user,
)
from tests.providers.factories import make_flag, make_offered_method
from vendor_registry.audit.context import acting_as, user_actor
from vendor_registry.auth import tokens
from vendor_registry.auth.models import SignIn
from vendor_registry.background_checks import services as checks
from vendor_registry.codes import (
    CheckOutcome,
    CheckType,
    FlagRule,
    FlagSeverity,
    LicenceStatus,
    ProviderStatus,
    Role,
)
from vendor_registry.database import utcnow
from vendor_registry.demand.models import DemandProfile
from vendor_registry.extensions import db
from vendor_registry.flags.models import Notification
from vendor_registry.methods.models import ServiceArea
from vendor_registry.organisations import tenancy
from vendor_registry.reviews.models import ReviewAction
from vendor_registry.reviews.services import publish_review

B_NAME = "Lunds kommun ZQXO"
#: Organisation B's own texts: none may reach anybody of organisation A.
B_MARKERS = {
    "contract": "ZQXB-AVTAL-7731",
    "review": "ZQXB-UPPFOLJNING-7731",
    "action": "ZQXB-ATGARD-7731",
    "profile": "ZQXB-PROFIL-7731",
    "check": "ZQXB-KONTROLL-7731",
    "evidence": "zqxb-intyg-7731.pdf",
    "approval": "ZQXB-VILLKOR-7731",
    "flag": "ZQXB-FLAGGA-7731",
    "notification": "ZQXB-NOTIS-7731",
    "user_email": "zqxb-handlaggare@lund.example",
    "user_name": "ZQXB Handlaggare",
    "token": "ZQXB-NYCKEL-7731",
}
#: Shared texts: the shared view of a record shows (some of) them to every organisation.
SHARED_MARKER = "ZQXS"
A_CONTRACT = "ZQXA-AVTAL-7731"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    a_id: int
    b_id: int
    shared: dict[str, int] = field(default_factory=dict)  # path argument -> a shared record's id
    own_b: dict[str, int] = field(default_factory=dict)  # path argument -> B's own record's id


def _b_records(world: World, provider, b_user) -> None:
    """B's own records, written as B's person would (so the audit log has B's events too)."""
    # ends soon: B's own-rule flag below is what the contract rule would raise
    contract = make_contract(provider, reference=B_MARKERS["contract"], ends_on=date.today() + timedelta(days=10))
    review = make_review(provider, summary=B_MARKERS["review"], contract_id=contract.id)
    action = ReviewAction(review_id=review.id, provider_id=provider.id, description=B_MARKERS["action"],
                          deadline=date.today() + timedelta(days=30))
    db.session.add(action)
    profile = DemandProfile(name=B_MARKERS["profile"], description=B_MARKERS["profile"])
    db.session.add(profile)
    manual = make_check(provider, check_type=CheckType.INSURANCE, result=CheckOutcome.CONCERN,
                        summary=B_MARKERS["check"], performed_by_label=B_MARKERS["user_email"])
    document = checks.store_document(io.BytesIO(PDF), B_MARKERS["evidence"], provider_id=provider.id,
                                     description=B_MARKERS["evidence"])
    approval = provider.approval(create=True)
    approval.status = ProviderStatus.CONDITIONALLY_APPROVED
    approval.conditions = B_MARKERS["approval"]
    approval.conditions_until = date.today() + timedelta(days=60)
    flag = make_flag(provider, rule=FlagRule.CONTRACT_EXPIRING, subject_key=f"contract:{contract.id}",
                     severity=FlagSeverity.LOW, message=B_MARKERS["flag"], organisation_id=world.b_id)
    db.session.add(Notification(user_id=b_user.id, flag_id=flag.id, message=B_MARKERS["notification"]))
    token, _plain = tokens.create_token(b_user, B_MARKERS["token"])
    # published on purpose: its outcome and neutral summary are the shared view of B's judgement
    public = make_review(provider, summary=f"{SHARED_MARKER}-PUBLICERAD-7731")
    published = publish_review(public)
    db.session.flush()
    world.shared.update(published_id=published.id)
    world.own_b.update(contract_id=contract.id, review_id=review.id, action_id=action.id, profile_id=profile.id,
                       check_id=manual.id, document_id=document.id, flag_id=flag.id, user_id=b_user.id,
                       token_id=token.id)


def _b_sign_ins(b_user) -> None:
    """B's person's sign-ins, enough failures to lock the address, and one success before them."""
    now = utcnow()
    db.session.add(SignIn(occurred_at=now - timedelta(minutes=20), email=b_user.email, user_id=b_user.id,
                          succeeded=True, outcome="ok", address="192.0.2.77"))
    for minute in range(10):
        db.session.add(SignIn(occurred_at=now - timedelta(minutes=minute), email=b_user.email, user_id=b_user.id,
                              succeeded=False, outcome="wrong_password", address="192.0.2.77"))


def build_world() -> World:
    """Shared records (ALL scope: a job's or the command line's), then B's own under B's person,
    then A's own contract. The first organisation is A."""
    a_id = tenancy.default_organisation_id()
    b = make_organisation(B_NAME)
    provider = make_provider(name=f"Delade Utforare {SHARED_MARKER} AB", status=ProviderStatus.APPROVED)
    # expired: the shared flag below is what the licence rule would raise
    licence = make_licence(provider, ivo_reference=f"IVO {SHARED_MARKER} 3.5.1-7731/2026", status=LicenceStatus.EXPIRED)
    method = make_method(name=f"{SHARED_MARKER}-metod 7731")
    offered = make_offered_method(provider, method)
    area = ServiceArea(code="zqxs_area", name_sv=f"{SHARED_MARKER}-omrade", name_en=f"{SHARED_MARKER}-area")
    db.session.add(area)
    automatic = make_check(provider, check_type=CheckType.COMPANY_REGISTRY, automatic=True,
                           summary=f"{SHARED_MARKER}-REGISTER-7731", performed_by_label="job:checks")
    shared_document = checks.store_document(io.BytesIO(PDF), f"{SHARED_MARKER.lower()}-delat-7731.pdf",
                                            provider_id=provider.id)
    licence.evidence_document_id = shared_document.id  # a licence's evidence: every role may download it
    shared_flag = make_flag(provider, rule=FlagRule.LICENCE_LAPSED, subject_key=f"licence:{licence.id}",
                            message=f"{SHARED_MARKER}-DELAD-FLAGGA-7731")
    db.session.flush()
    world = World(a_id=a_id, b_id=b.id)
    world.shared.update(provider_id=provider.id, org_number=provider.org_number, licence_id=licence.id,
                        method_id=method.id, offered_id=offered.id, area_id=area.id, check_id=automatic.id,
                        document_id=shared_document.id, flag_id=shared_flag.id)

    b_user = make_user(role=Role.ADMIN, organisation=b, email=B_MARKERS["user_email"], name=B_MARKERS["user_name"])
    with tenancy.within_organisation(b.id), acting_as(user_actor(b_user)):
        _b_records(world, provider, b_user)
        licence.notes = "Kontrollerad mot registret"  # B's person changes a shared record
        db.session.flush()
    _b_sign_ins(b_user)
    a_contract = make_contract(provider, reference=A_CONTRACT)  # ALL scope: the first organisation's, A's
    make_review(provider, summary="ZQXA-UPPFOLJNING-7731", contract_id=a_contract.id)
    db.session.flush()
    return world
