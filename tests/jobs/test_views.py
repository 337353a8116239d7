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
    assert "nya: 7, fel: 0" in page and "raised" not in page and "databasen svarade inte" in page
    licence = page[page.index('id="job-licence_sweep"'):page.index('id="job-check_sweep"')]
    check = page[page.index('id="job-check_sweep"'):page.index('id="job-review_sweep"')]
    assert "har inte lyckats" not in licence and "har inte lyckats" in check


def test_run_now_button_records_a_request_and_runs_nothing(client, as_role):
    user = as_role("supervisor")
    response = client.post("/jobs/contract_sweep/run")
    assert response.status_code == 302
    run = db.session.scalars(select(JobRun).where(JobRun.job == "contract_sweep")).one()
    assert run.trigger == "manual" and run.started_by == user.email and run.status == JobRunStatus.REQUESTED
    assert run.run_key.startswith("request:") and run.requested_at is not None and run.finished_at is None
    # A second click while it waits gets the same run, not a duplicate.
    assert client.post("/jobs/contract_sweep/run").status_code == 302
    assert len(db.session.scalars(select(JobRun).where(JobRun.job == "contract_sweep")).all()) == 1
    page = client.get("/jobs/").get_data(as_text=True)
    assert f'data-run-id="{run.id}" data-active="1"' in page and "Väntar på schemaläggaren" in page
    assert "/static/jobs.js" in page
    status = client.get(f"/jobs/runs/status?ids={run.id}").get_json()
    assert status["runs"][0]["status"] == "requested" and status["runs"][0]["active"] is True
    assert client.get("/jobs/runs/status?ids=x").status_code == 400
    assert client.post("/jobs/nonsense/run").status_code == 404


def test_status_shows_progress_and_counters_in_swedish(client, as_role):
    as_role("admin")
    run = JobRun(job="licence_sweep", run_key="request:x", trigger="manual", status=JobRunStatus.RUNNING,
                 started_at=utcnow(), progress_done=2, progress_total=5, progress_unit="rules",
                 counts={"raised": 3, "refreshed": 1, "resolved": 2})
    done = JobRun(job="run_due_checks", run_key="request:y", trigger="manual", status=JobRunStatus.SKIPPED,
                  started_at=utcnow(), finished_at=utcnow(), progress_done=4, progress_total=9,
                  progress_unit="providers", error="En annan körning av jobbet pågick; den här gjorde ingenting.")
    db.session.add_all([run, done])
    db.session.commit()
    runs = {r["id"]: r for r in client.get(f"/jobs/runs/status?ids={run.id},{done.id}").get_json()["runs"]}
    assert runs[run.id]["progress"] == "2 av 5 regler klara"
    assert runs[run.id]["counts"] == "nya: 3, bekräftade: 1, lösta: 2"
    assert runs[run.id]["status_label"] == "Pågår" and runs[run.id]["active"] is True
    assert runs[done.id]["progress"] == "4 av 9 leverantörer klara" and runs[done.id]["active"] is False
    assert runs[done.id]["status_label"] == "Hoppades över" and "annan körning" in runs[done.id]["reason"]


def test_only_admin_and_supervisor(client, as_role):
    as_role("procurement_officer")
    assert client.get("/jobs/").status_code == 403
    assert client.post("/jobs/contract_sweep/run").status_code == 403
    assert client.get("/jobs/runs/status?ids=1").status_code == 403


def test_a_request_nobody_takes_up_says_so(client, as_role):
    as_role("admin")
    waiting = JobRun(job="digest", run_key="request:z", trigger="manual", status=JobRunStatus.REQUESTED,
                     started_at=utcnow() - timedelta(minutes=2), requested_at=utcnow() - timedelta(minutes=2))
    fresh = JobRun(job="digest", run_key="request:w", trigger="manual", status=JobRunStatus.REQUESTED,
                   started_at=utcnow(), requested_at=utcnow())
    db.session.add_all([waiting, fresh])
    db.session.commit()
    runs = {r["id"]: r for r in client.get(f"/jobs/runs/status?ids={waiting.id},{fresh.id}").get_json()["runs"]}
    assert "flask scheduler" in runs[waiting.id]["reason"] and runs[fresh.id]["reason"] == ""
