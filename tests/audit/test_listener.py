"""Every insert, update and delete of a domain record writes an audit event."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories as f
from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.audit.listener import NOT_AUDITED
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import ProviderStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db


def _make(model_name, provider, user):
    from vendor_registry import models as m

    makers = {
        "User": lambda: f.make_user(),
        "ApiToken": lambda: m.ApiToken(user_id=user.id, name="t", token_hash="a" * 64, prefix="abc"),
        "Provider": lambda: f.make_provider(),
        "ApprovalEvent": lambda: m.ApprovalEvent(provider_id=provider.id, to_status=ProviderStatus.DRAFT, actor_label="x"),
        "Licence": lambda: f.make_licence(provider),
        "Method": lambda: f.make_method(),
        "ProviderMethod": lambda: m.ProviderMethod(provider_id=provider.id, method_id=f.make_method().id, trained_staff=2),
        "ServiceArea": lambda: m.ServiceArea(code="test_area", name_sv="Test", name_en="Test"),
        "Contract": lambda: f.make_contract(provider),
        "CheckPolicy": lambda: m.CheckPolicy(provider_kind="other", check_type="staff_records", interval_days=30),
        "EvidenceDocument": lambda: m.EvidenceDocument(storage_key="k1", content_type="application/pdf", size_bytes=1, sha256="b" * 64),
        "BackgroundCheck": lambda: f.make_check(provider),
        "Review": lambda: f.make_review(provider),
        "PublishedReview": lambda: m.PublishedReview(
            review_id=f.make_review(provider).id, provider_id=provider.id, publisher_organisation_id=_first_org(),
            kind="annual_quality", performed_on=date.today(), outcome="satisfactory"),
        "ReviewAction": lambda: m.ReviewAction(review_id=f.make_review(provider).id, provider_id=provider.id,
                                               description="Åtgärd", deadline=date.today() + timedelta(days=5)),
        "DemandProfile": lambda: m.DemandProfile(name="Profil för test"),
        "Requirement": lambda: m.Requirement(profile_id=_profile().id, kind="serves_county", value="01", mandatory=True),
        "Flag": lambda: m.Flag(provider_id=provider.id, rule="licence_missing", subject_key="provider", severity="high", message="x"),
        "Organisation": lambda: f.make_organisation("Granskningskommun"),
        "FlagHandling": lambda: m.FlagHandling(flag_id=_flag(provider).id, organisation_id=_first_org()),
        "ProviderApproval": lambda: m.ProviderApproval(provider_id=f.make_provider().id,
                                                       organisation_id=f.make_organisation().id,
                                                       status=ProviderStatus.UNDER_REVIEW),
    }
    obj = makers[model_name]()
    db.session.add(obj)
    db.session.flush()
    return obj


def _flag(provider):
    from vendor_registry.flags.models import Flag

    flag = Flag(provider_id=provider.id, rule="licence_lapsed", subject_key="licence:1", severity="critical", message="x")
    db.session.add(flag)
    db.session.flush()
    return flag


def _first_org():
    from vendor_registry.organisations.tenancy import default_organisation_id

    return default_organisation_id()


def _profile():
    from vendor_registry.demand.models import DemandProfile

    profile = DemandProfile(name="Annan profil")
    db.session.add(profile)
    db.session.flush()
    return profile


# a text or integer column of each model to change in the update step
UPDATES = {
    "User": ("name", "Nytt namn"), "ApiToken": ("name", "u"), "Provider": ("name", "Nytt AB"),
    "ApprovalEvent": ("reason", "skäl"), "Licence": ("scope", "Vuxna"), "Method": ("description", "d"),
    "ProviderMethod": ("trained_staff", 5), "ServiceArea": ("name_en", "Changed"), "Contract": ("scope", "s"),
    "CheckPolicy": ("interval_days", 40), "EvidenceDocument": ("description", "d"), "BackgroundCheck": ("summary", "ny"),
    "Review": ("summary", "ny"), "PublishedReview": ("summary", "ny"), "ReviewAction": ("description", "ny"), "DemandProfile": ("description", "ny"),
    "Requirement": ("value", "03"), "Flag": ("message", "ny"),
    "Organisation": ("name", "Omdöpt kommun"), "ProviderApproval": ("conditions", "Nytt villkor"),
    "FlagHandling": ("ack_comment", "Vi ringer IVO"),
}


def _audited_models():
    from vendor_registry import models as m

    return sorted(name for name in m.__all__ if getattr(m, name).__tablename__ not in NOT_AUDITED)


def test_every_audited_model_has_a_case():
    assert set(_audited_models()) == set(UPDATES)


@pytest.mark.parametrize("model_name", _audited_models())
def test_insert_update_delete_are_audited(db_session, model_name):
    provider = f.make_provider()
    user = f.make_user()
    with acting_as(Actor("job", "job:test")):
        obj = _make(model_name, provider, user)
        table, key = obj.__tablename__, str(obj.id)
        field, value = UPDATES[model_name]
        setattr(obj, field, value)
        db_session.flush()
        db_session.delete(obj)
        db_session.flush()
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == table, AuditEvent.entity_id == key).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["insert", "update", "delete"]
    assert events[1].changes[field][1] == value
    assert all(e.actor_label == "job:test" and e.actor_kind == "job" for e in events)


def test_secrets_never_appear_in_events(db_session):
    user = f.make_user()
    user.set_password("another-secret-password")
    db_session.flush()
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "users")).all()
    text = repr([e.changes for e in events])
    assert "scrypt" not in text and "another-secret-password" not in text
    assert any(e.changes.get("password_hash") == ["***", "***"] for e in events)


def test_a_request_records_the_logged_in_user(client, as_role, db_session):
    user = as_role("procurement_officer")
    provider = f.make_provider(status=ProviderStatus.DRAFT)
    db_session.commit()
    response = client.post(f"/providers/{provider.id}/edit", data={
        "org_number": provider.org_number, "name": "Omdöpt AB", "kinds": ["hvb"], "ownership": "private",
        "county": "01", "version": provider.version,
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "providers", AuditEvent.entity_id == str(provider.id), AuditEvent.action == "update")).one()
    assert event.actor_user_id == user.id and event.actor_kind == "user"
    assert event.changes["name"][1] == "Omdöpt AB"
    assert event.changes["kinds"] == [["protected_housing"], ["hvb"]]
    assert event.provider_id == provider.id
    assert event.occurred_at <= utcnow()


def test_an_update_after_a_commit_keeps_the_before_value(db_session):
    provider = f.make_provider(name="Före AB")
    db_session.commit()  # expires the object: its old name is no longer loaded
    provider.name = "Efter AB"
    db_session.commit()
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "providers", AuditEvent.entity_id == str(provider.id),
        AuditEvent.action == "update")).one()
    assert event.changes["name"] == ["Före AB", "Efter AB"]


def test_rows_removed_from_a_collection_are_audited_as_deleted(db_session):
    """A child taken out of a delete-orphan collection is deleted by the flush's cascade, never
    passing through ``session.delete``: its delete is still in the log (a review's follow-up
    action removed, a demand profile's requirements replaced)."""
    from vendor_registry.demand.models import DemandProfile, Requirement
    from vendor_registry.reviews.models import ReviewAction

    provider = f.make_provider()
    review = f.make_review(provider)
    with acting_as(Actor("job", "job:test")):
        action = ReviewAction(provider_id=provider.id, description="Åtgärda rutinen",
                              deadline=date.today() + timedelta(days=30))
        review.actions.append(action)
        profile = DemandProfile(name="Skyddat boende, län 12",
                                requirements=[Requirement(kind="provider_kind", value="protected_housing",
                                                             mandatory=True, position=0)])
        db_session.add(profile)
        db_session.flush()
        removed = [("review_actions", str(action.id)), ("requirements", str(profile.requirements[0].id))]
        review.actions.remove(action)
        profile.requirements.clear()
        db_session.flush()
    for table, key in removed:
        actions = db_session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_type == table, AuditEvent.entity_id == key).order_by(AuditEvent.id)).all()
        assert actions == ["insert", "delete"], (table, actions)
        assert db_session.get(ReviewAction if table == "review_actions" else Requirement, int(key)) is None
