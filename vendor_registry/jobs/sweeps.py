"""The job bodies: thin wrappers that call services and commit in batches (one per rule).

They run inside an app context with the job as audit actor (``runs.execute`` sets both up).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from vendor_registry.codes import JobName
from vendor_registry.extensions import db

log = logging.getLogger(__name__)


class JobPartlyFailed(Exception):
    """Some batches failed; the others are committed. Carries the counts for the run record."""

    def __init__(self, message: str, counts: dict[str, Any]):
        super().__init__(message)
        self.counts = counts


def run_sweep(job: JobName) -> dict[str, Any]:
    """Run one sweep's rules, committing after each rule so one failing rule cannot undo the
    others, and report the counts the jobs page shows."""
    from vendor_registry.flags import services
    from vendor_registry.flags.reconcile import ReconcileCounts
    from vendor_registry.flags.rules import rules_by_job

    rules = rules_by_job()[job]
    total = ReconcileCounts()
    errors: list[str] = []
    for rule, compute in rules.items():
        try:
            counts = services.sweep(db.session, {rule: compute}, settings=current_app.config)
            db.session.commit()
            total.add(counts)
        except Exception as exc:  # one rule's failure is recorded, the others still run
            db.session.rollback()
            log.exception("rule %s failed", rule)
            errors.append(f"{rule.value}: {exc.__class__.__name__}: {exc}")
    result = {"raised": total.raised, "refreshed": total.refreshed, "resolved": total.resolved + total.cleared_dismissed,
              "escalated": total.escalated, "errors": len(errors)}
    if errors:
        raise JobPartlyFailed("\n".join(errors), result)
    return result


def run_due_checks() -> dict[str, Any]:
    """Runs the automatic checks that are due."""
    from vendor_registry.background_checks import runner

    outcome = runner.run_due_checks()
    db.session.commit()
    return dict(outcome) if isinstance(outcome, dict) else {"result": str(outcome), "errors": 0}


def send_digest() -> dict[str, Any]:
    from vendor_registry.flags import notify

    counts = notify.send_digests()
    db.session.commit()
    return counts



