"""Starts the real ``flask scheduler`` command with each flag-rule batch made slow.

Used by test_scheduler_process.py as ``python tests/jobs/slow_scheduler.py --no-catch-up``. Each
rule's reconciliation sleeps *inside* its write transaction (so web writes must wait for the
lock, not fail) and each progress report sleeps after it (so the run lasts long enough for the
test to write through the web app while it goes on). Everything else is the product's code.
The two pauses can be set with SLOW_IN_TRANSACTION and SLOW_BETWEEN_BATCHES (seconds): the
killed-scheduler test makes the pause between batches long enough to SIGKILL the process there,
and SLOW_UNITS=rules keeps it to the sweeps (progress counted in rules), not the checks.
"""
import os
import sys
import time

from flask.cli import main

from vendor_registry.flags import services
from vendor_registry.jobs import runs

IN_TRANSACTION = float(os.environ.get("SLOW_IN_TRANSACTION", "0.3"))
BETWEEN_BATCHES = float(os.environ.get("SLOW_BETWEEN_BATCHES", "0.4"))
UNITS = set(filter(None, os.environ.get("SLOW_UNITS", "").split(",")))
_reconcile, _reporter = services.reconcile, runs.progress_reporter


def slow_reconcile(*args, **kwargs):
    counts = _reconcile(*args, **kwargs)
    time.sleep(IN_TRANSACTION)
    return counts


def slow_reporter(run_id):
    report = _reporter(run_id)

    def _report(done, total, unit="providers", counts=None):
        report(done, total, unit, counts)
        if not UNITS or unit in UNITS:
            time.sleep(BETWEEN_BATCHES)

    return _report


services.reconcile = slow_reconcile
runs.progress_reporter = slow_reporter
sys.argv = ["flask", "--app", "vendor_registry", "scheduler", *sys.argv[1:]]
main()
