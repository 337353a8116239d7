"""The web app and the real scheduler process on one SQLite file (issue 11).

"Kör nu" is pressed through the page; the scheduler process (a subprocess running the
``flask scheduler`` command, polling every 0.2 s) takes the request up and runs the sweep while
the test keeps editing providers through the web app. Every edit must succeed (none waits past
the busy timeout, none meets "database is locked"), edits must land while the run is going on,
and the run must end as succeeded with its progress and counters on the page.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import DEFAULT_PASSWORD, make_user
from tests.jobs.conftest import build_app
from tests.jobs.data import seed
from vendor_registry.codes import JobRunStatus
from vendor_registry.extensions import db
from vendor_registry.jobs.models import JobRun
from vendor_registry.providers.models import Provider

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 60


@pytest.fixture
def sqlite_app(tmp_path):
    app, _url = build_app("sqlite", tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _start_scheduler(app, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "APP_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "INSTANCE_PATH": str(tmp_path / "scheduler-instance"), "JOB_REQUEST_POLL_SECONDS": "0.2",
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "tests/jobs/slow_scheduler.py"), "--no-catch-up"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _edit_form(app, provider_id: int, name: str) -> dict:
    with app.app_context():
        p = db.session.get(Provider, provider_id)
        data = {"org_number": p.org_number, "name": name, "kinds": p.kinds, "ownership": p.ownership.value,
                "county": p.county, "version": p.version}
        db.session.remove()
    return data


def test_run_now_runs_in_the_scheduler_process_while_the_web_app_writes(sqlite_app, tmp_path):
    app = sqlite_app
    seed(app, 12)
    with app.app_context():
        user = make_user(role="admin")
        email = user.email
        db.session.commit()
        provider_ids = db.session.scalars(select(Provider.id).order_by(Provider.id)).all()
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD}).status_code == 302

    scheduler = _start_scheduler(app, tmp_path)
    try:
        assert client.post("/jobs/licence_sweep/run").status_code == 302
        page = client.get("/jobs/").get_data(as_text=True)
        run_id = int(re.search(r'data-run-id="(\d+)" data-active="1"', page).group(1))

        edits: list[tuple[float, int]] = []
        states: list[dict] = []
        deadline = time.monotonic() + DEADLINE_SECONDS
        i = 0
        while time.monotonic() < deadline:
            pid = provider_ids[i % len(provider_ids)]
            response = client.post(f"/providers/{pid}/edit", data=_edit_form(app, pid, f"Utförare {i} AB"))
            edits.append((time.time(), response.status_code))
            i += 1
            [state] = client.get(f"/jobs/runs/status?ids={run_id}").get_json()["runs"]
            states.append(state)
            if not state["active"]:
                break
        assert scheduler.poll() is None, scheduler.stdout.read() if scheduler.stdout else ""
    finally:
        scheduler.terminate()
        output = scheduler.communicate(timeout=20)[0]

    assert not state["active"], f"the run did not finish in {DEADLINE_SECONDS} s; scheduler said:\n{output}"
    assert [code for _t, code in edits if code != 302] == [], output
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        db.session.expunge_all()
        db.session.remove()
    assert run.status == JobRunStatus.SUCCEEDED, (run.error, output)
    # The edits refresh the edited providers' flags at once (flags follow writes), so the sweep
    # both raises (providers nobody edited) and re-sees (edited ones): it saw every condition.
    assert run.started_by == email and run.counts["errors"] == 0
    assert run.counts["raised"] + run.counts["refreshed"] > 0
    assert run.progress_done == run.progress_total == 5 and run.progress_unit == "rules"
    # Edits were committed while the scheduler process was running the sweep.
    during = [t for t, code in edits if run.started_at.timestamp() <= t <= run.finished_at.timestamp()]
    assert len(during) >= 3, (len(edits), run.started_at, run.finished_at)
    # The page followed the run: waiting or running with progress, then the outcome in Swedish.
    assert any(s["status"] == "running" and "regler klara" in s["progress"] for s in states)
    assert state["status_label"] == "Lyckades" and state["counts"].startswith("nya: ")
    assert f"Utförare {i - 1} AB" in client.get(f"/providers/{provider_ids[(i - 1) % len(provider_ids)]}")\
        .get_data(as_text=True)
    assert datetime.now(UTC) >= run.finished_at
