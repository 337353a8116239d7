"""Four real processes running the same sweep at once against PostgreSQL.

Through the job runner only one of them claims the run key; calling the sweep directly (no
claim, no lock) all four race on ``INSERT ... ON CONFLICT DO NOTHING`` and the partial unique
index, and the table still ends with exactly one live flag per condition.
"""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import drop_database
from tests.jobs.conftest import build_app
from tests.jobs.data import seed
from vendor_registry.codes import JobName
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.flags.reconcile import live_flag_clause
from vendor_registry.jobs.models import JobRun

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="needs PostgreSQL: set TEST_DATABASE_URL")
WORKERS = 4
RUN_KEY = "2026-11-24"


def _worker(url: str, instance: str, mode: str, barrier, results) -> None:
    from tests.conftest import make_test_app
    from vendor_registry.audit.context import acting_as, job_actor
    from vendor_registry.flags import services
    from vendor_registry.flags.rules import rules_by_job
    from vendor_registry.jobs import runs

    app = make_test_app(url, Path(instance))
    barrier.wait(timeout=60)
    if mode == "job":
        results.put(runs.execute(app, JobName.LICENCE_SWEEP, run_key=RUN_KEY))
        return
    with app.app_context(), acting_as(job_actor("licence_sweep")):
        counts = services.sweep(db.session, rules_by_job()[JobName.LICENCE_SWEEP], settings=app.config)
        db.session.commit()
        results.put(counts.raised)


def _race(url: str, tmp_path: Path, mode: str) -> list:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, str(tmp_path / f"inst{i}"), mode, barrier, results))
             for i in range(WORKERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    return [results.get(timeout=5) for _ in procs]


def _live_counts(app):
    with app.app_context():
        rows = db.session.execute(
            select(Flag.provider_id, Flag.rule, Flag.subject_key, func.count())
            .where(live_flag_clause()).group_by(Flag.provider_id, Flag.rule, Flag.subject_key)).all()
        db.session.remove()
    return sorted(tuple(r) for r in rows)


@pytest.mark.parametrize("mode", ["job", "sweep"])
def test_four_processes_one_live_flag_per_condition(tmp_path, mode):
    app, url = build_app("postgresql", tmp_path)
    try:
        seed(app, 20)
        outcomes = _race(url, tmp_path, mode)
        rows = _live_counts(app)
        assert rows and all(n == 1 for *_, n in rows)
        if mode == "job":
            assert sum(1 for o in outcomes if o is not None) == 1
            with app.app_context():
                assert db.session.scalar(select(func.count()).select_from(JobRun)
                                         .where(JobRun.job == "licence_sweep", JobRun.run_key == RUN_KEY)) == 1
                db.session.remove()
        else:
            assert sum(outcomes) == len(rows)  # each flag raised (and audited) by exactly one process
        # The same sweep once more, alone, changes nothing.
        from vendor_registry.audit.context import acting_as, job_actor
        from vendor_registry.flags import services
        from vendor_registry.flags.rules import rules_by_job

        with app.app_context(), acting_as(job_actor("licence_sweep")):
            again = services.sweep(db.session, rules_by_job()[JobName.LICENCE_SWEEP], settings=app.config)
            db.session.commit()
            db.session.remove()
        assert again.raised == 0 and again.resolved == 0
        assert _live_counts(app) == rows
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_database(url)
