"""The jobs page: schedule, runs with counts and errors, "Kör nu", the overdue warning."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from vendor_registry.codes import JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.jobs.models import JobRun


def test_jobs_page_shows_runs_and_warnings(client, as_role):
    as_role("admin")
    now = utcnow()
    db.session.add_all([
        JobRun(job="licence_sweep", run_key="k1", trigger="scheduled", status=JobRunStatus.SUCCEEDED,
               started_at=now - timedelta(hours=3), finished_at=now, counts={"raised": 7, "errors": 0}),
        JobRun(job="check_sweep", run_key="k2", trigger="scheduled", status=JobRunStatus.FAILED,
               started_at=now - timedelta(days=3), finished_at=now, error="RuntimeError: databasen svarade inte"),
    ])
    db.session.commit()
    page = client.get("/jobs/").get_data(as_text=True)
    assert "Varje natt kl. 04:30" in page and "Vardagar kl. 07:00" in page
    assert "raised: 7" in page and "databasen svarade inte" in page
    licence = page[page.index('id="job-licence_sweep"'):page.index('id="job-check_sweep"')]
    check = page[page.index('id="job-check_sweep"'):page.index('id="job-review_sweep"')]
    assert "har inte lyckats" not in licence and "har inte lyckats" in check


def test_run_now_button(client, as_role):
    user = as_role("supervisor")
    response = client.post("/jobs/contract_sweep/run")
    assert response.status_code == 302
    run = db.session.scalars(select(JobRun).where(JobRun.job == "contract_sweep")).one()
    assert run.trigger == "manual" and run.started_by == user.email and run.status == JobRunStatus.SUCCEEDED
    assert client.post("/jobs/nonsense/run").status_code == 404


def test_only_admin_and_supervisor(client, as_role):
    as_role("procurement_officer")
    assert client.get("/jobs/").status_code == 403
    assert client.post("/jobs/contract_sweep/run").status_code == 403
