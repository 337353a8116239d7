"""The demo's second organisation shows sharing: its own users and decisions (some differing
from the first organisation's), its own contracts and reviews, reviews published by both, and
one manual check it shared."""
from sqlalchemy import select

from vendor_registry.auth.models import User
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.codes import Role
from vendor_registry.contracts.models import Contract
from vendor_registry.demo.generator import generate
from vendor_registry.demo.second import SECOND_ORGANISATION, SECOND_PASSWORDS
from vendor_registry.organisations import tenancy
from vendor_registry.organisations.models import Organisation
from vendor_registry.providers.models import ProviderApproval
from vendor_registry.reviews.models import PublishedReview, Review
from vendor_registry.reviews.queries import published_summary


def test_the_demo_has_a_second_organisation_that_shares(app, db_session):
    counts = generate(db_session, providers=40, seed=2026)
    db_session.commit()
    first = tenancy.default_organisation_id()
    lund = db_session.scalars(select(Organisation).where(Organisation.name == SECOND_ORGANISATION)).one()
    users = db_session.scalars(select(User).where(User.organisation_id == lund.id)).all()
    assert {u.role for u in users} == set(Role) and {u.email for u in users} == set(SECOND_PASSWORDS)
    assert all(u.check_password(SECOND_PASSWORDS[u.email]) for u in users)

    decisions = {}
    for row in db_session.scalars(select(ProviderApproval)):
        decisions.setdefault(row.provider_id, {})[row.organisation_id] = row.status
    both = {p: d for p, d in decisions.items() if lund.id in d and first in d}
    assert len(both) == 40
    differing = [p for p, d in both.items() if d[first] != d[lund.id]]
    assert 3 <= len(differing) <= 8
    assert db_session.scalars(select(Contract).where(Contract.organisation_id == lund.id)).all()
    assert db_session.scalars(select(Review).where(Review.organisation_id == lund.id)).all()

    publishers = {p.publisher_organisation_id for p in db_session.scalars(select(PublishedReview))}
    assert publishers == {first, lund.id}
    shared = db_session.scalars(select(BackgroundCheck).where(BackgroundCheck.shared_by_organisation_id == lund.id)).one()
    assert shared.organisation_id is None and not shared.automatic
    assert counts["published_reviews"] >= 4

    provider_id = next(p.provider_id for p in db_session.scalars(select(PublishedReview))
                       if p.publisher_organisation_id == lund.id)
    with tenancy.within_organisation(first):
        seen = published_summary(provider_id, excluding_organisation_id=first)
    assert seen.organisations == 1 and seen.items[0].publisher.name == SECOND_ORGANISATION

    generate(db_session, providers=5, seed=7)  # a --force run later leaves the second organisation alone
    assert len(db_session.scalars(select(Organisation).where(Organisation.name == SECOND_ORGANISATION)).all()) == 1
