"""The supervisors' queue, a flag's actions (with permissions and bad input), the overview,
the notifications page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_licence, make_provider, make_user
from tests.flags.conftest import view_of
from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag, Notification


def make_flag(provider=None, **kw):
    provider = provider or make_provider()
    values = {"provider_id": provider.id, "rule": FlagRule.LICENCE_LAPSED, "subject_key": f"licence:{provider.id}",
                  "severity": FlagSeverity.CRITICAL, "status": FlagStatus.OPEN, "message": "Tillståndet har upphört."}
    values.update(kw)
    flag = Flag(**values)
    db.session.add(flag)
    db.session.flush()
    return flag


def test_queue_sorted_by_severity_then_age_and_filtered(client, as_role):
    as_role("supervisor")
    low = make_flag(severity=FlagSeverity.LOW, message="Låg avvikelse")
    crit = make_flag(provider=make_provider(county="12"), message="Kritisk avvikelse")
    db.session.commit()
    page = client.get("/flags/").get_data(as_text=True)
    assert page.index("Kritisk avvikelse") < page.index("Låg avvikelse")
    filtered = client.get("/flags/?county=12").get_data(as_text=True)
    assert "Kritisk avvikelse" in filtered and "Låg avvikelse" not in filtered
    assert "Låg avvikelse" in client.get("/flags/?severity=low").get_data(as_text=True)
    assert "Kritisk avvikelse" not in client.get("/flags/?min_age=3").get_data(as_text=True)
    assert client.get("/flags/?severity=bogus&min_age=x").status_code == 200
    assert low.id and crit.id


def test_queue_query_count_is_fixed(client, as_role, statement_counter):
    as_role("supervisor")
    for _ in range(3):
        make_flag(assignee_id=make_user().id)
    db.session.commit()
    with statement_counter() as few:
        assert client.get("/flags/").status_code == 200
    for _ in range(30):
        make_flag(assignee_id=make_user().id)
    db.session.commit()
    with statement_counter() as many:
        assert client.get("/flags/").status_code == 200
    assert len(few) == len(many)


def test_acknowledge_with_snooze_and_audit(client, as_role):
    user = as_role("procurement_officer")
    flag = make_flag()
    db.session.commit()
    too_far = (clock.today() + timedelta(days=91)).isoformat()
    response = client.post(f"/flags/{flag.id}/acknowledge",
                           data={"comment": "Vi ringer IVO", "snoozed_until": too_far, "version": flag.version})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "högst 90 dagar" in body and "Vi ringer IVO" in body
    ok = (clock.today() + timedelta(days=90)).isoformat()
    response = client.post(f"/flags/{flag.id}/acknowledge",
                           data={"comment": "Vi ringer IVO", "snoozed_until": ok, "version": flag.version})
    assert response.status_code == 302
    # A shared flag: the acknowledgement is the organisation's own handling (issue 14).
    view = view_of(flag.id, user.organisation_id)
    assert view.status == FlagStatus.ACKNOWLEDGED and view.acknowledged_by.id == user.id
    assert view.snoozed_until.isoformat() == ok
    assert db.session.get(Flag, flag.id).status == FlagStatus.OPEN  # the flag row: open for the others
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "flag_handlings")).all()[-1]
    assert event.actor_label == user.email and event.changes["status"] == [None, "acknowledged"]
    assert event.changes["flag_id"] == [None, flag.id] and event.organisation_id == user.organisation_id
    flag = db.session.get(Flag, flag.id)
    # A procurement officer may not resolve or dismiss.
    assert client.post(f"/flags/{flag.id}/resolve", data={"note": "x", "version": flag.version}).status_code == 403


def test_stale_acknowledge_is_refused(client, as_role):
    as_role("supervisor")
    flag = make_flag()
    db.session.commit()
    response = client.post(f"/flags/{flag.id}/acknowledge", data={"comment": "Sett", "version": flag.version + 4})
    assert response.status_code == 409


def test_resolve_and_dismiss_by_supervisor(client, as_role):
    user = as_role("supervisor")
    a, b = make_flag(), make_flag()
    db.session.commit()
    assert client.post(f"/flags/{a.id}/resolve", data={"note": "", "version": a.version}).status_code == 422
    assert client.post(f"/flags/{a.id}/resolve", data={"note": "Nytt tillstånd registrerat",
                                                        "version": a.version}).status_code == 302
    short = client.post(f"/flags/{b.id}/dismiss", data={"justification": "nej", "version": b.version})
    assert short.status_code == 422 and "nej" in short.get_data(as_text=True)
    assert client.post(f"/flags/{b.id}/dismiss", data={"justification": "Felaktig uppgift i IVO:s register.",
                                                        "version": b.version}).status_code == 302
    assert view_of(a.id, user.organisation_id).status == FlagStatus.RESOLVED
    assert view_of(b.id, user.organisation_id).status == FlagStatus.DISMISSED
    assert view_of(b.id, user.organisation_id).resolution_note == "Felaktig uppgift i IVO:s register."
    assert db.session.get(Flag, b.id).cleared_at is None


def test_assign(client, as_role):
    user = as_role("supervisor")
    person = make_user(role="procurement_officer")
    flag = make_flag()
    db.session.commit()
    assert client.post(f"/flags/{flag.id}/assign", data={"assignee_id": person.id, "version": flag.version}).status_code == 302
    assert view_of(flag.id, user.organisation_id).assignee_id == person.id
    assert person.name in client.get(f"/flags/?assignee={person.id}").get_data(as_text=True)


def test_permissions(client, as_role):
    as_role("social_worker")
    flag = make_flag()
    db.session.commit()
    assert client.get("/flags/").status_code == 403
    assert client.get(f"/flags/{flag.id}").status_code == 403
    assert client.get("/flags/overview").status_code == 403
    assert client.get("/flags/notifications").status_code == 200


def test_overview(client, as_role):
    as_role("supervisor")
    p = make_provider(name="Kritiska Huset AB")
    make_licence(p, ends_on=clock.today() + timedelta(days=30))
    make_flag(provider=p)
    make_flag(rule=FlagRule.CHECK_OVERDUE, severity=FlagSeverity.HIGH, subject_key="check:insurance")
    db.session.commit()
    page = client.get("/flags/overview").get_data(as_text=True)
    assert "Kritiska Huset AB" in page and "Försenade kontroller: 1" in page


def test_notifications_page_and_nav_count(client, as_role):
    user = as_role("supervisor")
    flag = make_flag()
    db.session.add(Notification(user_id=user.id, flag_id=flag.id, message="Ny kritisk avvikelse hos X"))
    db.session.commit()
    page = client.get("/flags/notifications").get_data(as_text=True)
    assert "Ny kritisk avvikelse hos X" in page and "olästa" in page
    assert client.post("/flags/notifications/read").status_code == 302
    assert "olästa" not in client.get("/flags/notifications").get_data(as_text=True)

