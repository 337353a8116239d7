"""Each role's start page: what it shows, and that every number equals the rows of the list
it links to (the same query on both sides)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.dashboard.helpers import make_flag, number_and_link, rows_on, soup
from tests.factories import (
    make_check,
    make_contract,
    make_licence,
    make_provider,
    make_user,
)
from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import ApiToken
from vendor_registry.codes import (
    CheckType,
    FlagRule,
    FlagSeverity,
    FlagStatus,
    ProviderStatus,
)
from vendor_registry.database import utcnow
from vendor_registry.extensions import db


def test_supervisor_counts_equal_the_rows_of_the_linked_flag_queue(client, as_role):
    me = as_role("supervisor")
    other = make_user("supervisor")
    for _ in range(3):
        make_flag()
    make_flag(assignee_id=me.id)
    make_flag(severity=FlagSeverity.HIGH, rule=FlagRule.CHECK_OVERDUE, assignee_id=me.id)
    make_flag(severity=FlagSeverity.HIGH, rule=FlagRule.CHECK_OVERDUE)
    make_flag(assignee_id=other.id)  # someone else's: in no cell of mine
    make_flag(severity=FlagSeverity.LOW)
    make_flag(status=FlagStatus.RESOLVED, resolved_at=utcnow())
    db.session.commit()
    page = soup(client.get("/start"))
    expected = {"flags-critical-me": 1, "flags-critical-none": 3, "flags-high-me": 1, "flags-high-none": 1}
    for element_id, n in expected.items():
        shown, href = number_and_link(page, element_id)
        assert shown == n, element_id
        assert rows_on(client, href, "flag-table") == shown, (element_id, href)
    shown, href = number_and_link(page, "tile-overdue-checks")
    assert shown == 2 and rows_on(client, href, "flag-table") == 2


def test_supervisor_urgent_list_is_mine_and_unassigned_oldest_first(client, as_role):
    me = as_role("supervisor")
    other = make_user("supervisor")
    now = utcnow()
    make_flag(make_provider(name="Nyast AB"), raised_at=now - timedelta(days=1))
    make_flag(make_provider(name="Äldst AB"), raised_at=now - timedelta(days=40), assignee_id=me.id)
    make_flag(make_provider(name="Mitten AB"), raised_at=now - timedelta(days=10), severity=FlagSeverity.HIGH)
    make_flag(make_provider(name="Annans AB"), raised_at=now - timedelta(days=50), assignee_id=other.id)
    make_flag(make_provider(name="Medel AB"), raised_at=now - timedelta(days=60), severity=FlagSeverity.MEDIUM)
    db.session.commit()
    items = [li.get_text(" ", strip=True) for li in soup(client.get("/start")).find(id="urgent-flags").find_all("li")]
    names = [text.split(":")[0].split(" ", 1)[1] for text in items]
    assert names == ["Äldst AB", "Mitten AB", "Nyast AB"]


def test_supervisor_tiles_open_provider_list_and_ending_lists_with_the_same_count(client, as_role):
    as_role("supervisor")
    today = clock.today()
    flagged = make_provider(name="Kritiskt Godkänd AB")
    make_flag(flagged)
    make_flag(make_provider(status=ProviderStatus.UNDER_REVIEW))  # not approved: not in the tile
    make_provider(status=ProviderStatus.UNDER_REVIEW)
    ending = make_provider(name="Snart Slut AB")
    make_licence(ending, ends_on=today + timedelta(days=20))
    make_licence(ending, ends_on=today + timedelta(days=80))  # beyond 60 days
    make_contract(ending, ends_on=today + timedelta(days=45))
    make_contract(ending, ends_on=today + timedelta(days=89))
    make_contract(ending, ends_on=today + timedelta(days=200))
    make_contract(make_provider(status=ProviderStatus.INACTIVE), ends_on=today + timedelta(days=5))
    db.session.commit()
    page = soup(client.get("/start"))
    for element_id, table_id, n in (("tile-critical-approved", "provider-table", 1),
                                    ("tile-approvals", "provider-table", 2),
                                    ("tile-licences", "ending-list", 1),
                                    ("tile-contracts", "ending-list", 2)):
        shown, href = number_and_link(page, element_id)
        assert shown == n, element_id
        assert rows_on(client, href, table_id) == n, (element_id, href)
    assert "Kritiskt Godkänd AB" in page.find(id="critical-approved-list").get_text()


def test_procurement_start_page(client, as_role):
    as_role("procurement_officer")
    today = clock.today()
    make_provider(status=ProviderStatus.DRAFT)
    due = make_provider(name="Förfaller AB")
    make_check(due, check_type=CheckType.INSURANCE, next_due_on=today - timedelta(days=3))
    make_check(due, check_type=CheckType.TAX_REGISTRATION, next_due_on=today)
    make_check(due, check_type=CheckType.STAFF_RECORDS, next_due_on=today + timedelta(days=200))
    # An older check of the same type does not count: only the latest of each type.
    make_check(due, check_type=CheckType.TAX_REGISTRATION, next_due_on=today - timedelta(days=90),
               performed_at=utcnow() - timedelta(days=300))
    make_flag(rule=FlagRule.REVIEW_ACTIONS_OVERDUE, severity=FlagSeverity.HIGH)
    db.session.commit()
    page = soup(client.get("/start"))
    for element_id, table_id, n in (("tile-drafts", "provider-table", 1),
                                    ("tile-checks-due", "checks-due-list", 2),
                                    ("tile-review-actions", "flag-table", 1)):
        shown, href = number_and_link(page, element_id)
        assert shown == n, element_id
        assert rows_on(client, href, table_id) == n, (element_id, href)
    assert "Inget IVO-utdrag" in page.find(id="last-ivo-extract").get_text()
    make_check(due, check_type=CheckType.IVO_REGISTER, performed_by_label="Ulf Upphandlare",
               details={"source": "ivo_extract", "lines": [2]}, evidence_document_id=None)
    db.session.commit()
    text = soup(client.get("/start")).find(id="last-ivo-extract").get_text(" ", strip=True)
    assert "Ulf Upphandlare" in text and "1 utförare" in text


def test_social_worker_sees_match_profiles_and_recent_providers_only(client, as_role, login):
    user = as_role("social_worker")
    first, second = make_provider(name="Först Öppnad AB"), make_provider(name="Sist Öppnad AB")
    db.session.commit()
    page = soup(client.get("/start"))
    assert page.find(id="urgent-counts") is None and page.find(id="tile-checks-due") is None
    assert "Du har inte öppnat" in page.find(id="recent-providers").get_text()
    assert client.get(f"/providers/{first.id}").status_code == 200
    assert client.get(f"/providers/{second.id}").status_code == 200
    assert client.get("/providers/999999").status_code == 404  # not remembered
    recent = [a.get_text() for a in soup(client.get("/start")).find(id="recent-providers").find_all("a")]
    assert recent == ["Sist Öppnad AB", "Först Öppnad AB"]
    shown, href = number_and_link(soup(client.get("/start")), "tile-approved")
    assert shown == 2 and rows_on(client, href, "provider-table") == 2
    assert client.get("/start/checks-due").status_code == 403
    # The list lives in the session only: logging out forgets it.
    assert client.post("/logout").status_code == 302
    login(user)
    assert "Du har inte öppnat" in soup(client.get("/start")).find(id="recent-providers").get_text()


def test_admin_sees_job_health_sources_users_and_expiring_tokens(client, as_role, app, monkeypatch):
    monkeypatch.setitem(app.config, "IVO_REGISTER_URL", "http://127.0.0.1:9/{org_number}")
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    admin = as_role("admin")
    db.session.add(ApiToken(user_id=admin.id, name="Snart utgången nyckel", token_hash="a" * 64, prefix="abc",
                            expires_at=utcnow() + timedelta(days=5)))
    db.session.add(ApiToken(user_id=admin.id, name="Långlivad nyckel", token_hash="b" * 64, prefix="abd",
                            expires_at=utcnow() + timedelta(days=300)))
    db.session.commit()
    page = soup(client.get("/start"))
    assert page.find(id="job-health").tbody.find_all("tr")
    tokens = page.find(id="expiring-tokens").get_text()
    assert "Snart utgången nyckel" in tokens and "Långlivad nyckel" not in tokens
    sources = {li.code.get_text(): " ".join(li.get_text().split()) for li in page.find(id="sources").find_all("li")}
    assert sources["IVO_REGISTER_URL"] == "IVO_REGISTER_URL: inställd"
    assert sources["MAIL_SERVER"] == "MAIL_SERVER: inte inställd"
    shown, href = int(page.find(id="tile-users").get_text().split()[0]), page.find(id="tile-users")["href"]
    assert shown == len(soup(client.get(href)).find("table").tbody.find_all("tr"))


@pytest.mark.parametrize("path", ["/start/ending?what=bogus", "/start/ending?what=licences&days=-1"])
def test_ending_list_refuses_unknown_arguments(client, as_role, path):
    as_role("supervisor")
    assert client.get(path).status_code == 404


def test_start_pages_write_nothing_to_the_audit_log(client, as_role):
    as_role("supervisor")
    make_flag()
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for _ in range(2):
        assert client.get("/start").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_admin_job_health_shows_finished_failed_and_requested_runs(client, as_role):
    """The start page reads the same run summaries as the jobs page, whatever state a run is in."""
    from vendor_registry.codes import JobRunStatus
    from vendor_registry.jobs.models import JobRun

    as_role("admin")
    moment = utcnow() - timedelta(hours=2)
    db.session.add_all([
        JobRun(job="licence_sweep", run_key="a", trigger="scheduled", status=JobRunStatus.SUCCEEDED,
               started_at=moment, finished_at=moment, counts={"raised": 1, "refreshed": 0, "resolved": 0}),
        JobRun(job="check_sweep", run_key="b", trigger="manual", status=JobRunStatus.FAILED,
               started_at=moment, finished_at=moment, error="Källan svarade inte"),
        JobRun(job="review_sweep", run_key="c", trigger="manual", status=JobRunStatus.REQUESTED,
               started_at=utcnow(), requested_at=utcnow()),
    ])
    db.session.commit()
    response = client.get("/start")
    assert response.status_code == 200
    rows = {tr.th.get_text(strip=True): " ".join(tr.get_text(" ").split())
            for tr in soup(response).find(id="job-health").tbody.find_all("tr")}
    assert any("Källan svarade inte" in text for text in rows.values())
    assert any("Väntar på schemaläggaren" in text for text in rows.values())
    assert any(clock.local_date(moment).isoformat() in text for text in rows.values())
