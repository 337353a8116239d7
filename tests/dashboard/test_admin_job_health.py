"""The admin's job health shows the last run's start as the jobs page does (run_summary has
already formatted it: formatting it again crashed the start page once any job had run)."""
from __future__ import annotations

from datetime import UTC, datetime

from tests.dashboard.helpers import soup
from vendor_registry.codes import JobName, JobRunStatus
from vendor_registry.extensions import db
from vendor_registry.jobs.models import JobRun


def test_admin_start_page_shows_the_last_run_of_a_job(client, as_role):
    as_role("admin")
    db.session.add(JobRun(job=JobName.LICENCE_SWEEP.value, run_key="health-test", trigger="manual",
                          status=JobRunStatus.SUCCEEDED, started_at=datetime(2026, 11, 20, 7, 5, tzinfo=UTC),
                          finished_at=datetime(2026, 11, 20, 7, 6, tzinfo=UTC)))
    db.session.commit()
    page = soup(client.get("/start"))
    cells = " ".join(page.find(id="job-health").get_text().split())
    assert "2026-11-20 08:05" in cells  # Europe/Stockholm
