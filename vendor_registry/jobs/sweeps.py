"""The job bodies: thin wrappers that call services and commit in batches (one per rule).

They run inside an app context with the job as audit actor (``runs.execute`` sets both up),
and report progress through ``progress(done, total, unit, counts)`` after each committed batch.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app

from vendor_registry.codes import JobName
from vendor_registry.extensions import db

log = logging.getLogger(__name__)
Progress = Callable[..., None]


class JobPartlyFailed(Exception):
    """Some batches failed; the others are committed. Carries the counts for the run record."""

    def __init__(self, message: str, counts: dict[str, Any]):
        super().__init__(message)
        self.counts = counts


def _sweep_counts(total: Any, errors: int) -> dict[str, Any]:
    return {"raised": total.raised, "refreshed": total.refreshed, "resolved": total.resolved + total.cleared_dismissed,
            "escalated": total.escalated, "errors": errors}


def run_sweep(job: JobName, progress: Progress | None = None) -> dict[str, Any]:
    """Run one sweep's rules, committing after each rule so one failing rule cannot undo the
    others (and no write transaction outlasts one rule), and report the counts the jobs page
    shows. A rule covers every provider in one set-based pass, so progress counts rules."""
    from vendor_registry.flags import services
    from vendor_registry.flags.reconcile import ReconcileCounts
    from vendor_registry.flags.rules import rules_by_job

    rules = rules_by_job()[job]
    total = ReconcileCounts()
    errors: list[str] = []
    if progress is not None:
        progress(0, len(rules), "rules", _sweep_counts(total, 0))
    for done, (rule, compute) in enumerate(rules.items(), start=1):
        try:
            counts = services.sweep(db.session, {rule: compute}, settings=current_app.config)
            db.session.commit()
            total.add(counts)
        except Exception as exc:  # one rule's failure is recorded, the others still run
            db.session.rollback()
            log.exception("rule %s failed", rule)
            errors.append(f"{rule.value}: {exc.__class__.__name__}: {exc}")
        if progress is not None:
            progress(done, len(rules), "rules", _sweep_counts(total, len(errors)))
    result = _sweep_counts(total, len(errors))
    if errors:
        raise JobPartlyFailed("\n".join(errors), result)
    return result


def run_due_checks(progress: Progress | None = None) -> dict[str, Any]:
    """Runs the automatic checks that are due."""
    from vendor_registry.background_checks import runner

    outcome = runner.run_due_checks(progress=progress)
    db.session.commit()
    return dict(outcome) if isinstance(outcome, dict) else {"result": str(outcome), "errors": 0}


def send_digest(progress: Progress | None = None) -> dict[str, Any]:
    from vendor_registry.flags import notify

    counts = notify.send_digests()
    db.session.commit()
    return counts



