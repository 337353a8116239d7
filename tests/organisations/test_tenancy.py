"""The organisation boundary of the foundation: scope from the signed-in person, own rows
filtered in every ORM query, new rows stamped from the actor, approval per organisation."""
from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_contract, make_organisation, make_provider, make_user
from vendor_registry.codes import ProviderStatus
from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db
from vendor_registry.organisations import tenancy
from vendor_registry.providers.models import Provider, ProviderApproval


def _two_organisations(db_session):
    first = tenancy.default_organisation_id()
    other = make_organisation("Lunds kommun")
    return first, other.id


def test_own_rows_are_invisible_to_another_organisation(db_session):
    first, other = _two_organisations(db_session)
    provider = make_provider()
    with tenancy.within_organisation(other):
        theirs = make_contract(provider, reference="LUND-1")
    ours = make_contract(provider, reference="KOMMUN-1")  # ALL scope: the first organisation
    assert (ours.organisation_id, theirs.organisation_id) == (first, other)
    # a request starts with an empty session; objects already in this one would be returned by
    # primary key without a query
    db_session.expunge_all()
    with tenancy.within_organisation(first):
        assert set(db.session.scalars(select(Contract.reference).where(Contract.provider_id == provider.id))) \
            == {"KOMMUN-1"}
        assert db.session.get(Contract, theirs.id) is None  # by primary key too
    with tenancy.within_organisation(other):
        assert set(db.session.scalars(select(Contract.reference).where(Contract.provider_id == provider.id))) \
            == {"LUND-1"}
    assert {c.reference for c in db.session.scalars(select(Contract).where(Contract.provider_id == provider.id))} \
        == {"KOMMUN-1", "LUND-1"}  # a job sees the installation


def test_approval_is_each_organisations_own(db_session):
    first, other = _two_organisations(db_session)
    provider = make_provider(status=ProviderStatus.APPROVED)  # the first organisation's decision
    with tenancy.within_organisation(other):
        db_session.expire_all()
        assert db.session.get(Provider, provider.id).status is ProviderStatus.DRAFT  # Lund has decided nothing
        db.session.get(Provider, provider.id).status = ProviderStatus.REJECTED
        db.session.flush()
        approved_here = db.session.scalars(select(Provider.id).where(
            Provider.id == provider.id, Provider.status == ProviderStatus.APPROVED)).all()
        assert approved_here == []
    db_session.expire_all()
    with tenancy.within_organisation(first):
        assert db.session.get(Provider, provider.id).status is ProviderStatus.APPROVED
        row = db.session.execute(select(Provider.id, Provider.status).where(Provider.id == provider.id)).one()
        assert row.status is ProviderStatus.APPROVED
    decisions = dict(db.session.execute(select(ProviderApproval.organisation_id, ProviderApproval.status)
                                        .where(ProviderApproval.provider_id == provider.id)).all())
    assert decisions == {first: ProviderStatus.APPROVED, other: ProviderStatus.REJECTED}


def test_a_request_acts_within_the_signed_in_persons_organisation(client, login, db_session):
    _first, other = _two_organisations(db_session)
    provider = make_provider()
    lund_contract = make_contract(provider, organisation_id=other, reference="LUND-SECRET")
    person = make_user(role="procurement_officer")
    db_session.commit()
    login(person)
    page = client.get(f"/providers/{provider.id}")
    assert page.status_code == 200
    assert "LUND-SECRET" not in page.get_data(as_text=True)
    assert client.get(f"/providers/{provider.id}/contracts/{lund_contract.id}/edit").status_code == 404

    lund_person = make_user(role="procurement_officer", organisation=db.session.get(
        __import__("vendor_registry.organisations.models", fromlist=["Organisation"]).Organisation, other))
    db_session.commit()
    client.post("/logout")
    login(lund_person)
    assert "LUND-SECRET" in client.get(f"/providers/{provider.id}").get_data(as_text=True)


def test_new_own_rows_get_the_actors_organisation_not_the_requests(client, login, db_session):
    _first, other = _two_organisations(db_session)
    provider = make_provider()
    from vendor_registry.organisations.models import Organisation

    person = make_user(role="procurement_officer", organisation=db.session.get(Organisation, other))
    db_session.commit()
    login(person)
    response = client.post(f"/providers/{provider.id}/contracts/new", data={
        "kind": "framework", "reference": "NY-1", "starts_on": "2026-01-01",
        "organisation_id": "1",  # a forged field: never read
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    contract = db.session.scalars(select(Contract).where(Contract.reference == "NY-1")
                                  .execution_options(all_organisations=True)).one()
    assert contract.organisation_id == other


def test_nobody_signed_in_sees_no_own_rows(app, db_session):
    provider = make_provider()
    make_contract(provider, reference="X")
    db_session.flush()
    with app.test_request_context("/"):
        assert tenancy.current_scope() == tenancy.NOBODY
        assert db.session.scalars(select(Contract).where(Contract.provider_id == provider.id)).all() == []
