"""The second demo organisation: what sharing looks like with two municipalities in one registry.

``make run`` keeps the first organisation (everything as before) and adds "Demo: Lunds kommun"
with one login per role, its own approval decisions on the first providers (most as the first
organisation's, some not: a provider may be approved in one and rejected in the other), a few
contracts and reviews of its own, reviews published by both organisations (each sees the
other's on the provider page) and one manual check Lund marked shareable. A fixed, small part
of the data set whatever ``--providers`` is, so the demo stays as fast at 20,000 providers.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.audit.listener import insert_audited
from vendor_registry.codes import (
    DEFAULT_CHECK_INTERVAL_DAYS,
    CheckOutcome,
    CheckType,
    ContractKind,
    ProviderStatus,
    ReviewKind,
    ReviewOutcome,
    Role,
)
from vendor_registry.demo.reference import DEMO_DOMAIN
from vendor_registry.organisations import tenancy

SECOND_ORGANISATION = "Demo: Lunds kommun"
SECOND_PASSWORDS: dict[str, str] = {
    f"admin.lund@{DEMO_DOMAIN}": "demo-lund-admin-2026",
    f"upphandlare.lund@{DEMO_DOMAIN}": "demo-lund-upphandlare-2026",
    f"enhetschef.lund@{DEMO_DOMAIN}": "demo-lund-enhetschef-2026",
    f"socialsekreterare.lund@{DEMO_DOMAIN}": "demo-lund-socialsekreterare-2026",
}
SECOND_USERS = [
    (f"admin.lund@{DEMO_DOMAIN}", "Lars Admin, Lund (demo)", Role.ADMIN),
    (f"upphandlare.lund@{DEMO_DOMAIN}", "Lina Upphandlare, Lund (demo)", Role.PROCUREMENT_OFFICER),
    (f"enhetschef.lund@{DEMO_DOMAIN}", "Leo Enhetschef, Lund (demo)", Role.SUPERVISOR),
    (f"socialsekreterare.lund@{DEMO_DOMAIN}", "Lisa Socialsekreterare, Lund (demo)", Role.SOCIAL_WORKER),
]
#: How many of the run's first providers Lund has decided on.
DECIDED = 40
_APPROVED = (ProviderStatus.APPROVED, ProviderStatus.CONDITIONALLY_APPROVED)
#: Lund's different judgement, by position among the decided providers.
_DIFFERENT = {1: ProviderStatus.REJECTED, 3: ProviderStatus.UNDER_REVIEW, 6: ProviderStatus.SUSPENDED,
              23: ProviderStatus.APPROVED, 11: ProviderStatus.REJECTED}


def _at(day: date) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def add_second_organisation(session: Session, provider_ids: list[int], today: date,
                            counts: dict[str, int]) -> None:
    """Adds the second organisation once (a later ``--force`` run leaves it as it is)."""
    from vendor_registry.organisations.models import Organisation
    from vendor_registry.organisations.services import create_organisation

    if not provider_ids or session.scalar(select(Organisation.id).where(Organisation.name == SECOND_ORGANISATION)):
        return
    lund = create_organisation(SECOND_ORGANISATION)
    users = _users(session, lund.id, counts)
    decided = _approvals(session, lund.id, provider_ids[:DECIDED], today, counts)
    with tenancy.within_organisation(lund.id):
        _contracts(session, decided, today, counts)
        _own_checks(session, lund.id, users[Role.PROCUREMENT_OFFICER], decided, today, counts)
        reviews = _reviews(session, users[Role.SUPERVISOR], decided, today, counts)
        _publish(reviews[:3], users[Role.SUPERVISOR], counts)
        _shared_check(session, lund.id, users[Role.SUPERVISOR], decided, today, counts)
    _publish_first_organisations(session, provider_ids[:DECIDED], counts)


def _users(session: Session, organisation_id: int, counts: dict[str, int]) -> dict[Role, Any]:
    from vendor_registry.auth.models import User

    users = {}
    for email, name, role in SECOND_USERS:
        user = User(email=email, name=name, role=role, organisation_id=organisation_id)
        user.set_password(SECOND_PASSWORDS[email])
        session.add(user)
        users[role] = user
        counts["users"] = counts.get("users", 0) + 1
    session.flush()
    return users


def _approvals(session: Session, organisation_id: int, provider_ids: list[int], today: date,
               counts: dict[str, int]) -> list[tuple[int, ProviderStatus]]:
    """Lund's decisions: the first organisation's, except where ``_DIFFERENT`` says otherwise."""
    from vendor_registry.providers.models import ApprovalEvent, ProviderApproval

    first = dict(session.execute(select(ProviderApproval.provider_id, ProviderApproval.status).where(
        ProviderApproval.organisation_id == tenancy.default_organisation_id(),
        ProviderApproval.provider_id.in_(provider_ids))).all())
    approvals, events, decided = [], [], []
    for position, provider_id in enumerate(provider_ids):
        status = _DIFFERENT.get(position, first.get(provider_id, ProviderStatus.DRAFT))
        # within the last 70 days: Lund's review clock (90 days) has not run out anywhere
        day = today - timedelta(days=30 + position)
        approvals.append({"organisation_id": organisation_id, "provider_id": provider_id, "status": status,
                          "status_changed_at": _at(day), "approved_at": _at(day) if status in _APPROVED else None,
                          "conditions": None, "conditions_until": None})
        events.append({"organisation_id": organisation_id, "provider_id": provider_id, "from_status": ProviderStatus.DRAFT,
                       "to_status": status, "actor_label": "demo-data",
                       "reason": "Lunds eget beslut (demo)" if position in _DIFFERENT else "Beslut i demodata (Lund)",
                       "created_at": _at(day)})
        decided.append((provider_id, status))
    insert_audited(session, ProviderApproval, approvals)
    insert_audited(session, ApprovalEvent, [e for e in events if e["to_status"] != ProviderStatus.DRAFT])
    counts["second_organisation_decisions"] = len(approvals)
    return decided


def _contracts(session: Session, decided: list[tuple[int, ProviderStatus]], today: date,
               counts: dict[str, int]) -> None:
    from vendor_registry.contracts.models import Contract

    approved = [provider_id for provider_id, status in decided if status in _APPROVED][:5]
    for n, provider_id in enumerate(approved):
        session.add(Contract(provider_id=provider_id, kind=list(ContractKind)[n % len(ContractKind)],
                             reference=f"LUND-{today.year}-{101 + n}", starts_on=today - timedelta(days=200 + 30 * n),
                             ends_on=today + timedelta(days=300 + 40 * n), price_per_day=Decimal(2900 + 100 * n),
                             scope="Lunds avtal om stöd och boende (demo)"))
        counts["contracts"] = counts.get("contracts", 0) + 1
    session.flush()


def _reviews(session: Session, chief: Any, decided: list[tuple[int, ProviderStatus]], today: date,
             counts: dict[str, int]) -> list[Any]:
    from vendor_registry.reviews.models import Review

    outcomes = [ReviewOutcome.SERIOUS_DEFICIENCIES, ReviewOutcome.SATISFACTORY, ReviewOutcome.DEFICIENCIES,
                ReviewOutcome.SATISFACTORY]
    approved = [provider_id for provider_id, status in decided if status in _APPROVED][:len(outcomes)]
    reviews = []
    for n, (provider_id, outcome) in enumerate(zip(approved, outcomes, strict=False)):
        review = Review(provider_id=provider_id, kind=ReviewKind.SITE_VISIT if n % 2 else ReviewKind.ANNUAL_QUALITY,
                        performed_on=today - timedelta(days=5 + 5 * n), outcome=outcome, performed_by_id=chief.id,
                        summary={ReviewOutcome.SERIOUS_DEFICIENCIES: "Brandskyddet brast och bemanningen nattetid "
                                                                     "var för låg vid besöket (demo).",
                                 ReviewOutcome.DEFICIENCIES: "Dokumentationen av insatserna behöver bli bättre (demo).",
                                 ReviewOutcome.SATISFACTORY: "Leveransen fungerar enligt avtal (demo)."}[outcome],
                        rating_delivered_as_agreed=2 if outcome is ReviewOutcome.SERIOUS_DEFICIENCIES else 4,
                        rating_safety=1 if outcome is ReviewOutcome.SERIOUS_DEFICIENCIES else 4,
                        rating_cooperation=3, rating_staff_competence=3, rating_documentation=3)
        session.add(review)
        reviews.append(review)
        counts["reviews"] = counts.get("reviews", 0) + 1
    session.flush()
    return reviews


def _publish(reviews: list[Any], person: Any, counts: dict[str, int]) -> None:
    """Through the service, as a person of the review's organisation publishing it."""
    from vendor_registry.reviews import services

    with acting_as(Actor("user", person.email, person.id, person)):
        for review in reviews:
            with tenancy.within_organisation(review.organisation_id):
                services.publish_review(review)
            counts["published_reviews"] = counts.get("published_reviews", 0) + 1


def _publish_first_organisations(session: Session, provider_ids: list[int], counts: dict[str, int]) -> None:
    """The first organisation publishes its reviews of three providers Lund has reviewed too or
    decided on, so each organisation sees the other's on the provider page."""
    from vendor_registry.auth.models import User
    from vendor_registry.demo.reference import DEMO_USERS
    from vendor_registry.reviews.models import Review

    first = tenancy.default_organisation_id()
    supervisor = next(email for email, _name, role in DEMO_USERS if role is Role.SUPERVISOR)
    person = session.scalar(select(User).where(User.email == supervisor))
    reviews = list(session.scalars(select(Review).where(
        Review.organisation_id == first, Review.provider_id.in_(provider_ids),
        Review.kind != ReviewKind.PLACEMENT_FOLLOW_UP).order_by(Review.provider_id).limit(4)))
    if person is not None:
        _publish(reviews, person, counts)


def _own_checks(session: Session, organisation_id: int, person: Any, decided: list[tuple[int, ProviderStatus]],
                today: date, counts: dict[str, int]) -> None:
    """Lund's own manual checks of the providers it has in scope (under review, approved,
    suspended: an organisation checks before it decides; without them each would carry Lund's own
    "check overdue" flags, which is right for a real organisation and a flood in a demo)."""
    from vendor_registry.background_checks.models import BackgroundCheck
    from vendor_registry.flags.rules import IN_SCOPE_STATUSES

    rows = []
    for n, (provider_id, status) in enumerate(decided):
        if status not in IN_SCOPE_STATUSES:
            continue
        for check_type in (t for t in CheckType if not t.automatic):
            day = today - timedelta(days=10 + n)
            rows.append({"organisation_id": organisation_id, "provider_id": provider_id, "check_type": check_type,
                         "performed_at": _at(day), "performed_by_id": person.id,
                         "performed_by_label": person.email, "automatic": False, "result": CheckOutcome.PASS,
                         "summary": "Kontrollerad av Lund utan anmärkning (demo).", "evidence": "Lunds underlag (demo)",
                         "next_due_on": day + timedelta(days=DEFAULT_CHECK_INTERVAL_DAYS[check_type])})
    insert_audited(session, BackgroundCheck, rows)
    counts["checks"] = counts.get("checks", 0) + len(rows)


def _shared_check(session: Session, organisation_id: int, person: Any, decided: list[tuple[int, ProviderStatus]],
                  today: date, counts: dict[str, int]) -> None:
    from vendor_registry.background_checks.models import BackgroundCheck

    provider_id = next((p for p, status in decided if status in _APPROVED), decided[0][0])
    check = BackgroundCheck(
        provider_id=provider_id, check_type=CheckType.FINANCIAL_STANDING, performed_at=_at(today - timedelta(days=4)),
        performed_by_id=person.id, performed_by_label=person.email, automatic=False, result=CheckOutcome.PASS,
        summary="Kreditupplysning utan anmärkningar; årsredovisningen visar positivt eget kapital (demo).",
        evidence="UC 2026-11 (demo)", next_due_on=today + timedelta(days=361),
        shared_by_organisation_id=organisation_id)
    session.add(tenancy.mark_shared(check))  # shared on purpose: every organisation sees it
    session.flush()
    counts["shared_checks"] = counts.get("shared_checks", 0) + 1
