"""Resolving a flag whose condition still holds warns and asks for confirmation on the page (the
API's refusal is in tests/api/test_flag_resolve_confirm.py); dismissing still needs its justification."""
from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_licence, make_provider
from tests.flags.conftest import view_of
from vendor_registry.audit.context import acting_as, job_actor
from vendor_registry.codes import FlagRule, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.jobs.sweeps import run_sweep


def lapsed_flag():
    """A provider with a revoked permit and the sweep's flag for it (the condition holds)."""
    provider = make_provider()
    make_licence(provider, status="revoked")
    db.session.commit()
    with acting_as(job_actor("licence_sweep")):
        run_sweep("licence_sweep")
    return db.session.scalars(select(Flag).where(Flag.provider_id == provider.id,
                                                 Flag.rule == FlagRule.LICENCE_LAPSED)).one()


def _live(flag_rule, provider_id):
    db.session.expire_all()
    return db.session.scalars(select(Flag).where(
        Flag.provider_id == provider_id, Flag.rule == flag_rule,
        Flag.status.in_((FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)))).all()


def test_page_warns_then_resolves_on_confirmation(client, as_role, db_session):
    flag = lapsed_flag()
    user = as_role("supervisor")
    first = client.post(f"/flags/{flag.id}/resolve", data={"note": "Ringt dem.", "version": flag.version})
    html = first.get_data(as_text=True)
    assert first.status_code == 422
    assert "Villkoret för avvikelsen gäller fortfarande" in html and "tas den upp igen vid nästa kontroll" in html
    assert 'name="confirmed" value="1"' in html and "Markera som åtgärdad ändå" in html
    assert "Ringt dem." in html  # the note is kept
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status is FlagStatus.OPEN

    confirmed = client.post(f"/flags/{flag.id}/resolve",
                            data={"note": "Ringt dem.", "version": flag.version, "confirmed": "1"})
    assert confirmed.status_code == 302
    # A shared flag: resolved in this organisation's view; the flag itself holds for everybody.
    assert view_of(flag.id, user.organisation_id).status is FlagStatus.RESOLVED
    assert db.session.get(Flag, flag.id).status is FlagStatus.OPEN
    # The condition still holds: the next sweep opens it again for this organisation.
    with acting_as(job_actor("licence_sweep")):
        run_sweep("licence_sweep")
    assert view_of(flag.id, user.organisation_id).status is FlagStatus.OPEN


def test_page_resolves_without_question_when_the_condition_has_cleared(client, as_role, db_session):
    provider = make_provider()
    cleared = Flag(provider_id=provider.id, rule=FlagRule.LICENCE_LAPSED, subject_key="licence:0",
                   severity="critical", message="Tillståndet har upphört.")
    db.session.add(cleared)
    db.session.commit()
    user = as_role("supervisor")
    response = client.post(f"/flags/{cleared.id}/resolve", data={"note": "Åtgärdat.", "version": cleared.version})
    assert response.status_code == 302
    assert view_of(cleared.id, user.organisation_id).status is FlagStatus.RESOLVED


def test_dismiss_still_needs_justification_while_condition_holds(client, as_role, db_session):
    flag = lapsed_flag()
    user = as_role("supervisor")
    short = client.post(f"/flags/{flag.id}/dismiss", data={"justification": "nej", "version": flag.version})
    assert short.status_code == 422
    ok = client.post(f"/flags/{flag.id}/dismiss",
                     data={"justification": "Överklagat, beslut väntas.", "version": flag.version})
    assert ok.status_code == 302
    with acting_as(job_actor("licence_sweep")):
        run_sweep("licence_sweep")
    flags = db.session.scalars(select(Flag).where(Flag.provider_id == flag.provider_id,
                                                  Flag.rule == FlagRule.LICENCE_LAPSED)).all()
    assert [f.status for f in flags] == [FlagStatus.OPEN]  # no duplicate raised; open for the others
    assert view_of(flag.id, user.organisation_id).status is FlagStatus.DISMISSED
