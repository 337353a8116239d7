"""Flags across organisations (issue 14): a shared-fact flag is one flag everybody sees, handled
by each organisation on its own; an own rule's flag is that organisation's alone; the scope and
severity of shared rules follow approval in ANY organisation; sweeps and the refresh after a
write cost the same number of statements however many providers there are."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update as sa_update

from tests.factories import (
    DEFAULT_PASSWORD,
    make_contract,
    make_licence,
    make_organisation,
    make_provider,
    make_user,
)
from tests.flags.conftest import view_of
from vendor_registry import clock
from vendor_registry.audit.context import acting_as, job_actor
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import (
    FlagRule,
    FlagSeverity,
    FlagStatus,
    LicenceStatus,
    ProviderStatus,
)
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.flags import notify
from vendor_registry.flags.models import Flag, FlagHandling, Notification
from vendor_registry.flags.refresh import refresh_provider_flags
from vendor_registry.jobs.sweeps import run_sweep
from vendor_registry.licences.models import Licence
from vendor_registry.organisations.tenancy import (
    default_organisation_id,
    within_organisation,
)
from vendor_registry.providers.models import Provider


def _orgs():
    malmo = default_organisation_id()
    lund = make_organisation("Lund").id
    return malmo, lund


def _approve_in(organisation_id: int, provider: Provider, status=ProviderStatus.APPROVED) -> None:
    with within_organisation(organisation_id):
        provider = db.session.get(Provider, provider.id)
        provider.status = status
        provider.approved_at = utcnow() - timedelta(days=30) if status == ProviderStatus.APPROVED else None
        db.session.flush()


def _sweep(job: str) -> None:
    db.session.commit()
    with acting_as(job_actor(job)):
        run_sweep(job)
    db.session.expire_all()


class _Person:
    """A signed-in test client whose every request runs in a fresh app context: the test's own
    context would carry ``g`` (Flask-Login's cached user, the organisation scope) from one
    person's request into another's."""

    def __init__(self, app, user):
        self.app, self.client = app, app.test_client()
        response = self.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302

    def get(self, url, **kw):
        with self.app.app_context():
            return self.client.get(url, **kw)

    def post(self, url, **kw):
        with self.app.app_context():
            return self.client.post(url, **kw)


def _client_for(app, user):
    return _Person(app, user)


def _flags(rule: FlagRule, provider_id: int) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.rule == rule, Flag.provider_id == provider_id)))


def test_revoked_licence_is_one_shared_critical_flag_each_organisation_handles_apart(app, db_session):
    malmo, lund = _orgs()
    provider = make_provider(name="Delat Boende AB")  # approved in Malmö (the first organisation)
    _approve_in(lund, provider)
    licence = make_licence(provider, status="revoked")
    malmo_user = make_user(role="supervisor", organisation_id=malmo)
    lund_user = make_user(role="supervisor", organisation_id=lund)
    _sweep("licence_sweep")

    [flag] = _flags(FlagRule.LICENCE_LAPSED, provider.id)
    assert flag.organisation_id is None and flag.severity == FlagSeverity.CRITICAL
    malmo_client, lund_client = _client_for(app, malmo_user), _client_for(app, lund_user)
    link = f'href="/flags/{flag.id}"'
    for client in (malmo_client, lund_client):
        assert link in client.get("/flags/?status=open").get_data(as_text=True)

    response = malmo_client.post(f"/flags/{flag.id}/acknowledge", data={"comment": "Vi ringer IVO", "version": flag.version})
    assert response.status_code == 302
    assert view_of(flag.id, malmo).status == FlagStatus.ACKNOWLEDGED
    assert view_of(flag.id, lund).status == FlagStatus.OPEN  # Lund still sees it open
    assert link not in malmo_client.get("/flags/?status=open").get_data(as_text=True)
    assert link in malmo_client.get("/flags/?status=acknowledged").get_data(as_text=True)
    assert link in lund_client.get("/flags/?status=open").get_data(as_text=True)
    # Lund dismisses it for itself; Malmö's acknowledgement stands.
    lund_flag = lund_client.get(f"/flags/{flag.id}").get_data(as_text=True)
    assert "Vi ringer IVO" not in lund_flag  # Malmö's note is Malmö's
    response = lund_client.post(f"/flags/{flag.id}/dismiss",
                                data={"justification": "Beslutet är överklagat hos oss.", "version": flag.version})
    assert response.status_code == 302
    assert view_of(flag.id, lund).status == FlagStatus.DISMISSED
    assert view_of(flag.id, malmo).status == FlagStatus.ACKNOWLEDGED
    handlings = db.session.scalars(select(FlagHandling).where(FlagHandling.flag_id == flag.id)).all()
    assert sorted(h.organisation_id for h in handlings) == sorted([malmo, lund])
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "flag_handlings")).all()
    assert {e.organisation_id for e in events} == {malmo, lund}
    assert {e.actor_organisation_id for e in events} == {malmo, lund}

    # The register clearing resolves it for both.
    db.session.get(Licence, licence.id).status = LicenceStatus.VALID
    _sweep("licence_sweep")
    assert db.session.get(Flag, flag.id).status == FlagStatus.RESOLVED
    assert view_of(flag.id, malmo).status == FlagStatus.RESOLVED
    assert view_of(flag.id, lund).status == FlagStatus.DISMISSED  # its own closing stays its own word
    assert link not in malmo_client.get("/flags/").get_data(as_text=True)


def test_an_organisations_contract_raises_a_flag_only_it_sees(app, db_session):
    malmo, lund = _orgs()
    provider = make_provider(name="Eget Avtal AB")
    _approve_in(lund, provider)
    make_contract(provider, organisation_id=lund, reference="LUND-1", ends_on=clock.today() + timedelta(days=10))
    make_contract(provider, organisation_id=malmo, reference="MALMO-1", ends_on=clock.today() + timedelta(days=300))
    malmo_user = make_user(role="supervisor", organisation_id=malmo)
    lund_user = make_user(role="supervisor", organisation_id=lund)
    _sweep("contract_sweep")

    [flag] = _flags(FlagRule.CONTRACT_EXPIRING, provider.id)
    assert flag.organisation_id == lund and "LUND-1" in flag.message
    with within_organisation(malmo):
        assert _flags(FlagRule.CONTRACT_EXPIRING, provider.id) == []
    with within_organisation(lund):
        assert [f.id for f in _flags(FlagRule.CONTRACT_EXPIRING, provider.id)] == [flag.id]
    assert "LUND-1" in _client_for(app, lund_user).get("/flags/").get_data(as_text=True)
    malmo_client = _client_for(app, malmo_user)
    assert "LUND-1" not in malmo_client.get("/flags/").get_data(as_text=True)
    assert malmo_client.get(f"/flags/{flag.id}").status_code == 404

    # Malmö's contract ending too: Malmö's own flag beside Lund's (uniqueness per organisation).
    with within_organisation(malmo):
        make_contract(provider, reference="MALMO-2", ends_on=clock.today() + timedelta(days=5))
    _sweep("contract_sweep")
    owners = sorted(f.organisation_id for f in _flags(FlagRule.CONTRACT_EXPIRING, provider.id))
    assert owners == sorted([malmo, lund])

    # The digest: each person hears of their own organisation's flags only.
    db.session.query(Flag).update({"announced": False})
    notify.send_digests()
    notices: dict[int, list[Notification]] = {malmo_user.id: [], lund_user.id: []}
    for n in db.session.scalars(select(Notification)):
        notices.setdefault(n.user_id, []).append(n)
    assert any("MALMO-2" in n.message for n in notices[malmo_user.id])
    assert not any("LUND-1" in n.message for n in notices[malmo_user.id])
    assert any("LUND-1" in n.message for n in notices[lund_user.id])
    assert not any("MALMO-2" in n.message for n in notices[lund_user.id])
    assert all(n.organisation_id == malmo for n in notices[malmo_user.id])


def test_approval_in_one_organisation_only_still_gives_the_critical_licence_missing(app, db_session):
    _malmo, lund = _orgs()
    provider = make_provider(status=ProviderStatus.DRAFT)  # Malmö has decided nothing
    _approve_in(lund, provider)
    reviewing = make_provider(status=ProviderStatus.UNDER_REVIEW)  # under review in Malmö, nowhere approved
    nowhere = make_provider(status=ProviderStatus.DRAFT)
    _sweep("licence_sweep")
    [flag] = _flags(FlagRule.LICENCE_MISSING, provider.id)
    assert flag.organisation_id is None and flag.severity == FlagSeverity.CRITICAL
    [high] = _flags(FlagRule.LICENCE_MISSING, reviewing.id)
    assert high.severity == FlagSeverity.HIGH
    assert _flags(FlagRule.LICENCE_MISSING, nowhere.id) == []
    # Lund rejecting it takes it out of every scope: the flag resolves.
    _approve_in(lund, provider, ProviderStatus.REJECTED)
    _sweep("licence_sweep")
    assert db.session.get(Flag, flag.id).status == FlagStatus.RESOLVED


def _scene(malmo: int, lund: int, n: int) -> None:
    for _ in range(n):
        provider = make_provider()
        _approve_in(lund, provider)
        make_licence(provider, status="revoked")
        make_contract(provider, organisation_id=lund, ends_on=clock.today() + timedelta(days=10))
        make_contract(provider, organisation_id=malmo, ends_on=clock.today() - timedelta(days=3))


def _steady_sweep_statements(statement_counter) -> int:
    from flask import current_app

    from vendor_registry.flags import services
    from vendor_registry.flags.rules import all_rules

    db.session.commit()
    with acting_as(job_actor("licence_sweep")):
        services.sweep(db.session, all_rules(), settings=current_app.config)  # raises what is new
        db.session.commit()
        with statement_counter() as statements:
            services.sweep(db.session, all_rules(), settings=current_app.config)  # the nightly steady state
        db.session.commit()
    return len(statements)


def test_sweep_and_refresh_statement_counts_do_not_grow_with_providers(app, db_session, statement_counter):
    malmo, lund = _orgs()
    _scene(malmo, lund, 2)
    few = _steady_sweep_statements(statement_counter)
    _scene(malmo, lund, 12)
    many = _steady_sweep_statements(statement_counter)
    assert few == many
    assert len(db.session.scalars(select(Flag).where(Flag.rule == FlagRule.CONTRACT_EXPIRING)).all()) == 14
    assert {f.organisation_id for f in db.session.scalars(select(Flag).where(
        Flag.rule == FlagRule.CONTRACT_EXPIRED))} == {malmo}

    ids = [p.id for p in db.session.scalars(select(Provider))]
    with acting_as(job_actor("licence_sweep")):
        with statement_counter() as one:
            refresh_provider_flags(db.session, ids[:1])
        with statement_counter() as all_of_them:
            refresh_provider_flags(db.session, ids)
    assert len(one) == len(all_of_them)


def test_manual_checks_are_each_organisations_own_and_register_checks_shared(app, db_session):
    from tests.factories import make_check

    malmo, lund = _orgs()
    provider = make_provider()
    _approve_in(lund, provider)
    # Malmö's own insurance check failed; Lund has none; the register check (shared) failed too.
    make_check(provider, check_type="insurance", result="fail", organisation_id=malmo)
    make_check(provider, check_type="ivo_register", result="fail", automatic=True)
    _sweep("check_sweep")
    failed = {(f.subject_key, f.organisation_id) for f in _flags(FlagRule.CHECK_FAILED, provider.id)}
    assert failed == {("check:insurance", malmo), ("check:ivo_register", None)}
    overdue = {(f.subject_key, f.organisation_id) for f in _flags(FlagRule.CHECK_OVERDUE, provider.id)}
    assert ("check:insurance", lund) in overdue and ("check:insurance", malmo) not in overdue
    # A shared (shareable) insurance answer counts for every organisation.
    make_check(provider, check_type="insurance", result="pass", organisation_id=None)
    _sweep("check_sweep")
    live = {(f.subject_key, f.organisation_id) for f in _flags(FlagRule.CHECK_OVERDUE, provider.id)
            if f.status == FlagStatus.OPEN}
    assert ("check:insurance", lund) not in live
    failed = {(f.subject_key, f.organisation_id) for f in _flags(FlagRule.CHECK_FAILED, provider.id)
              if f.status == FlagStatus.OPEN}
    assert ("check:insurance", malmo) not in failed  # the later shared pass is the latest answer


def test_bulk_acknowledge_of_shared_flags_is_the_organisations_own_in_fixed_statements(
        app, db_session, statement_counter):
    malmo, lund = _orgs()
    malmo_user = make_user(role="supervisor", organisation_id=malmo)
    providers = [make_provider() for _ in range(12)]
    for provider in providers:
        make_licence(provider, status="revoked")
    _sweep("licence_sweep")
    flags = list(db.session.scalars(select(Flag).where(Flag.rule == FlagRule.LICENCE_LAPSED).order_by(Flag.id)))
    assert len(flags) == 12
    person = _client_for(app, malmo_user)

    def acknowledge(chosen) -> int:
        form = {"action": "acknowledge", "comment": "Sett", "selected": [f"{f.id}:{f.version}" for f in chosen]}
        with statement_counter() as statements:
            assert person.post("/flags/bulk", data=form).status_code == 302
        return len([s for s in statements if s.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")])

    assert acknowledge(flags[:2]) == acknowledge(flags[2:])
    assert all(view_of(f.id, malmo).status == FlagStatus.ACKNOWLEDGED for f in flags)
    assert all(view_of(f.id, lund).status == FlagStatus.OPEN for f in flags)
    assert all(f.status == FlagStatus.OPEN for f in db.session.scalars(select(Flag)))


def test_a_persons_write_refreshes_their_organisations_flags_and_the_shared_ones_at_once(app, db_session):
    from vendor_registry.audit.context import user_actor

    malmo, lund = _orgs()
    provider = make_provider(status=ProviderStatus.DRAFT)
    lund_user = make_user(role="procurement_officer", organisation_id=lund)
    db.session.commit()
    with within_organisation(lund), acting_as(user_actor(lund_user)):
        # Lund approves (no licence: the shared licence_missing, critical) and signs a short contract.
        provider = db.session.get(Provider, provider.id)
        provider.status = ProviderStatus.APPROVED
        provider.approved_at = utcnow()
        make_contract(provider, reference="LUND-9", ends_on=clock.today() + timedelta(days=3))
        db.session.commit()
    db.session.expire_all()
    [missing] = _flags(FlagRule.LICENCE_MISSING, provider.id)
    assert missing.organisation_id is None and missing.severity == FlagSeverity.CRITICAL
    [expiring] = _flags(FlagRule.CONTRACT_EXPIRING, provider.id)
    assert expiring.organisation_id == lund
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "flags", AuditEvent.entity_id == str(expiring.id))).one()
    assert event.organisation_id == lund and event.actor_organisation_id == lund
    assert _flags(FlagRule.CONTRACT_EXPIRING, provider.id)[0].organisation_id != malmo


def test_the_navigation_badge_counts_each_organisations_view_of_shared_flags(app, db_session):
    """The badge counts urgent flags from the rows and subtracts the shared ones an organisation
    closed for itself (no per-flag judging of the view); a shared flag assigned in an
    organisation's handling counts for that person only."""
    from vendor_registry.flags import whats_new

    malmo, lund = _orgs()
    provider = make_provider(name="Delat Boende AB")
    _approve_in(lund, provider)
    make_licence(provider, status="revoked")
    malmo_user = make_user(role="supervisor", organisation_id=malmo)
    lund_user = make_user(role="supervisor", organisation_id=lund)
    _sweep("licence_sweep")
    [flag] = _flags(FlagRule.LICENCE_LAPSED, provider.id)

    def badge(user, organisation_id):
        db.session.expire_all()
        with within_organisation(organisation_id):
            return whats_new.badge_count(db.session.get(type(user), user.id))

    def urgent_in_view(organisation_id):
        """The same count judged flag by flag through each flag's view."""
        db.session.expire_all()
        with within_organisation(organisation_id):
            return sum(1 for f in db.session.scalars(select(Flag))
                       if f.view.status in (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
                       and f.severity in whats_new.URGENT)

    before = {malmo: badge(malmo_user, malmo), lund: badge(lund_user, lund)}
    assert before[malmo] == before[lund] == urgent_in_view(malmo) >= 1

    malmo_client, lund_client = _client_for(app, malmo_user), _client_for(app, lund_user)
    assert lund_client.post(f"/flags/{flag.id}/dismiss", data={
        "justification": "Beslutet är överklagat hos oss.", "version": flag.version}).status_code == 302
    assert badge(lund_user, lund) == before[lund] - 1 == urgent_in_view(lund)
    assert badge(malmo_user, malmo) == before[malmo] == urgent_in_view(malmo)

    assert malmo_client.post(f"/flags/{flag.id}/acknowledge", data={
        "comment": "Vi ringer IVO", "version": flag.version}).status_code == 302
    assert badge(malmo_user, malmo) == before[malmo]  # acknowledged is still live

    # Assigned in Malmö's handling: counted as assigned for that person (once urgent, once theirs).
    colleague = make_user(role="supervisor", organisation_id=malmo)
    assert malmo_client.post(f"/flags/{flag.id}/assign", data={
        "assignee_id": str(colleague.id), "version": view_of(flag.id, malmo).version}).status_code == 302
    assert badge(colleague, malmo) == before[malmo] + 1
    assert badge(lund_user, lund) == before[lund] - 1
    # Found both ways (the row's assignee too, as a job might leave it): still counted once.
    db.session.execute(sa_update(Flag).where(Flag.id == flag.id).values(assignee_id=colleague.id))
    db.session.commit()
    assert badge(colleague, malmo) == before[malmo] + 1
