"""How a run reads on the jobs page and in its JSON: state, progress and counters in Swedish.

One function for both, so the row the page renders and the row the page's script redraws from
``/jobs/runs/status`` never differ.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vendor_registry.codes import JobRunStatus
from vendor_registry.database import utcnow
from vendor_registry.formatting import format_datetime
from vendor_registry.jobs.models import JobRun
from vendor_registry.labels import label

#: The counters jobs report, by key; a key not listed is shown as it is.
COUNT_LABELS = {
    "raised": _l("nya"),
    "refreshed": _l("bekräftade"),
    "resolved": _l("lösta"),
    "escalated": _l("skärpta"),
    "errors": _l("fel"),
    "due": _l("förfallna"),
    "run": _l("körda"),
    "pass": _l("utan anmärkning"),
    "concern": _l("med anmärkning"),
    "fail": _l("underkända"),
    "error": _l("utan svar"),
    "not_configured": _l("källa ej inställd"),
    "skipped": _l("redan gjorda"),
    "announced": _l("aviserade"),
    "notifications": _l("aviseringar"),
    "mailed": _l("e-postade"),
}
BADGES = {
    JobRunStatus.SUCCEEDED: "text-bg-success",
    JobRunStatus.FAILED: "text-bg-danger",
    JobRunStatus.SKIPPED: "text-bg-warning",
    JobRunStatus.RUNNING: "text-bg-primary",
    JobRunStatus.REQUESTED: "text-bg-secondary",
    JobRunStatus.ABANDONED: "text-bg-warning",
}
ACTIVE = (JobRunStatus.REQUESTED, JobRunStatus.RUNNING)
#: A request still waiting after this long says the scheduler process may not be running.
WAITING_TOO_LONG = timedelta(seconds=30)


def counts_text(counts: dict[str, Any] | None) -> str:
    return ", ".join(f"{COUNT_LABELS.get(key, key)}: {value}" for key, value in (counts or {}).items())


def progress_text(run: JobRun) -> str:
    if run.progress_total is None:
        return ""
    if run.progress_unit == "rules":
        return _("%(done)s av %(total)s regler klara", done=run.progress_done or 0, total=run.progress_total)
    return _("%(done)s av %(total)s leverantörer klara", done=run.progress_done or 0, total=run.progress_total)


def _reason(run: JobRun) -> str:
    if run.status == JobRunStatus.REQUESTED and run.requested_at and utcnow() - run.requested_at > WAITING_TOO_LONG:
        return _("Schemaläggaren har inte tagit upp körningen ännu. Kontrollera att "
                 "schemaläggarprocessen (flask scheduler) är igång.")
    return run.error or ""


def status_label(run: JobRun) -> str:
    """An abandoned run says what happens next: its night runs again once, or (a retry that
    was abandoned too) nobody runs it until a person does."""
    if run.status == JobRunStatus.ABANDONED:
        if run.retry_of_id is None:
            return _("Avbruten – körs om")
        return _("Avbruten igen – körs inte om automatiskt")
    return label(run.status)


def run_summary(run: JobRun) -> dict[str, Any]:
    """Everything the page shows of one run, as plain values (JSON-ready)."""
    reason = _reason(run)
    trigger = {"scheduled": _("schema"), "manual": _("manuellt"), "catch_up": _("ikappkörning"),
               "retry": _("omkörning")}
    return {
        "id": run.id,
        "job": run.job,
        "status": run.status.value,
        "active": run.status in ACTIVE,
        "status_label": status_label(run),
        "badge": "text-bg-danger" if run.status == JobRunStatus.ABANDONED and run.retry_of_id is not None
        else BADGES.get(run.status, "text-bg-secondary"),
        "started_at": format_datetime(run.started_at) if run.status != JobRunStatus.REQUESTED else "",
        "finished_at": format_datetime(run.finished_at) if run.finished_at else "",
        "trigger": trigger.get(run.trigger, run.trigger) + (f" ({run.started_by})" if run.started_by else ""),
        "progress": progress_text(run),
        "progress_done": run.progress_done,
        "progress_total": run.progress_total,
        "counts": counts_text(run.counts),
        "reason": reason,
        "reason_first_line": reason.splitlines()[0][:120] if reason else "",
    }
