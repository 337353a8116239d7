"""The flag queue's bulk acknowledge / assign: one comment on each flag, one audit event per flag,
a fixed number of statements whatever the selection, the role table, a refused submit that
keeps the selection and comment, and flags closed or changed meanwhile reported as skipped."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_provider, make_user
from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag


def make_flags(n: int, provider=None, **kw) -> list[Flag]:
    """The first organisation's own flags (their handling is in the flag row; the bulk handling
    of shared flags is in tests/flags/test_organisations.py)."""
    from vendor_registry.organisations.tenancy import default_organisation_id

    provider = provider or make_provider()
    flags = []
    for i in range(n):
        values = {"provider_id": provider.id, "rule": FlagRule.CONTRACT_EXPIRED, "subject_key": f"contract:{i}",
                  "severity": FlagSeverity.CRITICAL, "status": FlagStatus.OPEN,
                  "message": f"Avtalet har löpt ut ({i}).", "organisation_id": default_organisation_id()}
        values.update(kw)
        flags.append(Flag(**values))
    db.session.add_all(flags)
    db.session.flush()
    return flags


def selected(flags) -> list[str]:
    return [f"{flag.id}:{flag.version}" for flag in flags]


def flag_events(flag_ids) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "flags", AuditEvent.entity_id.in_([str(i) for i in flag_ids]),
        AuditEvent.action == "update")))


def test_bulk_acknowledge_gives_each_flag_the_comment_and_its_own_audit_event(client, as_role):
    user = as_role("procurement_officer")
    flags = make_flags(3)
    other = make_flags(1, subject_key="other")[0]
    db.session.commit()
    response = client.post("/flags/bulk?severity=critical&assignee=none",
                           data={"action": "acknowledge", "comment": "Vi har ringt IVO", "selected": selected(flags)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/flags/?severity=critical&assignee=none")
    db.session.expire_all()
    for flag in flags:
        flag = db.session.get(Flag, flag.id)
        assert flag.status == FlagStatus.ACKNOWLEDGED
        assert flag.acknowledged_by_id == user.id and flag.ack_comment == "Vi har ringt IVO"
    assert db.session.get(Flag, other.id).status == FlagStatus.OPEN
    events = flag_events([f.id for f in flags])
    assert sorted(int(e.entity_id) for e in events) == sorted(f.id for f in flags)
    assert all(e.actor_label == user.email and e.changes["ack_comment"] == [None, "Vi har ringt IVO"]
               and e.changes["status"] == ["open", "acknowledged"] for e in events)
    page = client.get("/flags/").get_data(as_text=True)
    assert "3 avvikelser är kvitterade." in page
    # The queue shows who acknowledged and when.
    assert page.count(user.name) >= 3 and clock.today().strftime("%Y") in page


def _bulk_statements(client, statement_counter, flags, action, **data):
    form = {"action": action, "selected": selected(flags), **data}  # read before counting
    with statement_counter() as statements:
        response = client.post("/flags/bulk", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return [st for st in statements if st.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")]


@pytest.mark.parametrize("action", ["acknowledge", "assign"])
def test_bulk_statement_count_is_the_same_for_5_and_200_flags(client, as_role, statement_counter, action):
    as_role("supervisor")
    person = make_user(role="procurement_officer")
    few = make_flags(5, provider=make_provider())
    many = make_flags(200, provider=make_provider())
    db.session.commit()
    data = {"comment": "Sedd"} if action == "acknowledge" else {"assignee_id": person.id}
    small = _bulk_statements(client, statement_counter, few, action, **data)
    large = _bulk_statements(client, statement_counter, many, action, **data)
    assert len(small) == len(large), "\n---\n".join(s[:150] for s in small)
    db.session.expire_all()
    changed = flag_events([f.id for f in many])
    assert len(changed) == 200


ROLE_TABLE = [
    # role, acknowledge, assign (DOMAIN §5: acknowledging is for all but social workers; assigning,
    # like resolving and dismissing, for supervisors, as on a single flag's page)
    ("admin", 302, 403),
    ("procurement_officer", 302, 403),
    ("supervisor", 302, 302),
    ("social_worker", 403, 403),
]


@pytest.mark.parametrize(("role", "ack_status", "assign_status"), ROLE_TABLE)
def test_bulk_role_table(client, as_role, role, ack_status, assign_status):
    user = as_role(role)
    person = make_user(role="supervisor")
    flags = make_flags(2)
    db.session.commit()
    assign = client.post("/flags/bulk", data={"action": "assign", "assignee_id": person.id,
                                              "selected": selected(flags)})
    assert assign.status_code == assign_status
    db.session.expire_all()
    assert all((db.session.get(Flag, f.id).assignee_id == person.id) == (assign_status == 302) for f in flags)
    flags = [db.session.get(Flag, f.id) for f in flags]
    ack = client.post("/flags/bulk", data={"action": "acknowledge", "comment": "Sedd", "selected": selected(flags)})
    assert ack.status_code == ack_status
    db.session.expire_all()
    assert all((db.session.get(Flag, f.id).acknowledged_by_id == user.id) == (ack_status == 302) for f in flags)
    page = client.get("/flags/")
    if role == "social_worker":
        assert page.status_code == 403
    else:
        body = page.get_data(as_text=True)
        assert "Kvittera markerade" in body
        assert ("Tilldela markerade" in body) == (assign_status == 302)


def _checked_ids(body: str) -> set[int]:
    return {int(m) for m in re.findall(r'value="(\d+):\d+" id="select-\d+" checked', body)}


def test_refused_submit_keeps_selection_and_comment(client, as_role):
    as_role("supervisor")
    flags = make_flags(4)
    db.session.commit()
    past = (clock.today() - timedelta(days=1)).isoformat()
    response = client.post("/flags/bulk", data={"action": "acknowledge", "comment": "Vi väntar på svar",
                                                "snoozed_until": past, "selected": selected(flags[:2])})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Datumet måste vara efter i dag." in body and "Vi väntar på svar" in body
    assert _checked_ids(body) == {flags[0].id, flags[1].id}
    no_comment = client.post("/flags/bulk", data={"action": "acknowledge", "comment": " ",
                                                  "selected": selected(flags[2:])})
    assert no_comment.status_code == 422 and "Skriv en kommentar." in no_comment.get_data(as_text=True)
    assert _checked_ids(no_comment.get_data(as_text=True)) == {flags[2].id, flags[3].id}
    nothing = client.post("/flags/bulk", data={"action": "acknowledge", "comment": "Sedd"})
    assert nothing.status_code == 422 and "Markera minst en avvikelse." in nothing.get_data(as_text=True)
    db.session.expire_all()
    assert all(db.session.get(Flag, f.id).status == FlagStatus.OPEN for f in flags)
    assert flag_events([f.id for f in flags]) == []


def test_flags_closed_or_changed_meanwhile_are_skipped_not_fatal(client, as_role):
    as_role("supervisor")
    person = make_user(role="procurement_officer")
    fine, resolved, changed = make_flags(3)
    shown = selected([fine, resolved, changed])  # the versions the page showed
    resolved.status = FlagStatus.RESOLVED
    changed.assignee_id = person.id
    db.session.commit()
    response = client.post("/flags/bulk", data={"action": "acknowledge", "comment": "Sedd", "selected": shown},
                           follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 avvikelse är kvitterad." in body
    assert "den är redan avslutad" in body and resolved.message in body
    assert "har ändrats av någon annan sedan sidan visades" in body and changed.message in body
    db.session.expire_all()
    assert db.session.get(Flag, fine.id).status == FlagStatus.ACKNOWLEDGED
    assert db.session.get(Flag, resolved.id).status == FlagStatus.RESOLVED
    assert db.session.get(Flag, changed.id).status == FlagStatus.OPEN


def test_bulk_assign_to_a_person_who_handles_flags_and_the_assignee_filters(client, as_role):
    me = as_role("supervisor")
    officer = make_user(role="procurement_officer", name="Olga Upphandlare")
    worker = make_user(role="social_worker")
    mine, theirs, nobodys = make_flags(3)
    db.session.commit()
    refused = client.post("/flags/bulk", data={"action": "assign", "assignee_id": worker.id, "comment": "Till dig",
                                               "selected": selected([theirs])})
    assert refused.status_code == 422 and "Till dig" in refused.get_data(as_text=True)
    assert client.post("/flags/bulk", data={"action": "assign", "assignee_id": me.id,
                                            "selected": selected([mine])}).status_code == 302
    assert client.post("/flags/bulk", data={"action": "assign", "assignee_id": officer.id,
                                            "selected": selected([theirs])}).status_code == 302
    assigned_to_me = client.get("/flags/?assignee=me").get_data(as_text=True)
    assert mine.message in assigned_to_me and theirs.message not in assigned_to_me
    unassigned = client.get("/flags/?assignee=none").get_data(as_text=True)
    assert nobodys.message in unassigned and mine.message not in unassigned
    everyone = client.get("/flags/").get_data(as_text=True)
    assert "Olga Upphandlare" in everyone and "Tilldelade mig" in everyone and "Ej tilldelade" in everyone


def test_select_all_without_javascript_checks_every_row_of_the_page(client, as_role):
    as_role("supervisor")
    flags = make_flags(3)
    make_flags(1, status=FlagStatus.RESOLVED, subject_key="closed")
    db.session.commit()
    assert _checked_ids(client.get("/flags/").get_data(as_text=True)) == set()
    assert _checked_ids(client.get("/flags/?select=all").get_data(as_text=True)) == {f.id for f in flags}
