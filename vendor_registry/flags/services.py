"""Writes on flags: the sweep (rules → reconcile) and a person's acknowledge / assign / resolve /
dismiss. Functions flush, never commit: the job or the view owns the transaction."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, object_session

from vendor_registry import clock
from vendor_registry.audit.context import current_actor
from vendor_registry.bulkwrite import paused_gc
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagRule, FlagStatus
from vendor_registry.concurrency import StaleRecordError, check_version
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.flags.handling import handling_target, latest_change
from vendor_registry.flags.models import Flag, FlagHandling
from vendor_registry.flags.reconcile import (
    ReconcileCounts,
    first_run_rules,
    mark_rules_run,
    reconcile,
)
from vendor_registry.flags.refresh import suspended
from vendor_registry.flags.rules import RuleContext, RuleFunction, all_rules
from vendor_registry.i18n import remembered_translations
from vendor_registry.organisations.tenancy import across_organisations

MAX_SNOOZE_DAYS = 90


def sweep(session: Session, rules: Mapping[FlagRule, RuleFunction], *, settings: Mapping[str, Any],
          today: date | None = None, now: datetime | None = None,
          after_rule: Callable[[FlagRule, ReconcileCounts], None] | None = None) -> ReconcileCounts:
    """Run ``rules`` over all providers and reconcile each with the Flag table.

    Messages are stored in Swedish (the catalogue's source language) whatever the caller's
    locale. ``after_rule`` lets a job commit after each rule (one batch per rule). The actor
    is the audit context's, as for every other service (a job runs ``acting_as`` itself).
    """
    actor = current_actor()
    now = now or utcnow()
    today = today or clock.today(now)
    ctx = RuleContext(session=session, today=today, settings=settings)
    total = ReconcileCounts()
    new_rules = first_run_rules(session, list(rules))
    with suspended(session), across_organisations(), force_locale("sv"), remembered_translations(), paused_gc():
        for rule, compute in rules.items():
            counts = reconcile(session, rule, compute(ctx), now=now, today=today, actor=actor,
                               first_run=rule in new_rules)
            mark_rules_run(session, {rule} & new_rules, now)
            total.add(counts)
            if after_rule is not None:
                after_rule(rule, counts)
    return total


# --- a person's actions on a flag (the ORM audit listener logs each change) ---------------

ERR_COMMENT = _l("Skriv en kommentar.")
ERR_SNOOZE_PAST = _l("Datumet måste vara efter i dag.")
ERR_SNOOZE_FAR = _l("Du kan skjuta upp en avvikelse högst 90 dagar.")
ERR_NOTE = _l("Skriv vad som har gjorts.")
ERR_JUSTIFICATION = _l("Skriv en motivering till varför avvikelsen avfärdas.")
ERR_CLOSED = _l("Avvikelsen är redan avslutad.")
ERR_STILL_HOLDS = _l("Villkoret för avvikelsen gäller fortfarande. Markeras den som åtgärdad tas den upp igen "
                     "vid nästa kontroll. Bekräfta om den ändå ska markeras som åtgärdad, eller avfärda den "
                     "med en motivering om den inte ska visas så länge villkoret gäller.")


class ConditionStillHolds(ValidationFailed):
    """Resolving says "it is fixed"; when the rule still finds the condition, that is probably
    a mistake (the next sweep would raise a new flag at once), so the person is asked first."""

    KEY = "confirm"

    def __init__(self) -> None:
        super().__init__({self.KEY: [str(ERR_STILL_HOLDS)]})


def condition_holds(session: Session, flag: Flag, *, settings: Mapping[str, Any] | None = None,
                    today: date | None = None) -> bool:
    """Whether the flag's rule finds its condition now: the rule runs for this provider only
    (the same scoped run as the refresh after a write, a fixed number of statements)."""
    compute = all_rules().get(flag.rule)
    if compute is None:
        return False
    ctx = RuleContext(session=session, today=today or clock.today(), settings=settings or current_app.config,
                      provider_ids=frozenset({flag.provider_id}))
    key = (flag.organisation_id or 0, flag.provider_id, flag.subject_key)
    with across_organisations(), force_locale("sv"), remembered_translations():
        return any(f.key == key for f in compute(ctx))


def _record_resolver(target: Flag | FlagHandling) -> None:
    """Who closed the flag: the audit context's actor (a person on a page or through the API)."""
    actor = current_actor()
    target.resolved_by_id = actor.user_id
    target.resolved_by_label = actor.label


def _check_open(flag: Flag, seen_version: int | None) -> None:
    """The version check (of the organisation's handling of a shared flag, else of the flag
    row) and the check that the flag is still open in the acting organisation's view."""
    view = flag.view
    if not view.handled_apart:
        check_version(flag, seen_version)
    else:  # a shared flag: its row and the organisation's handling make its version
        try:
            seen = int(seen_version) if seen_version not in (None, "") else None
        except (TypeError, ValueError):
            seen = None
        if seen is None:
            raise StaleRecordError(flag, -1)
        if seen != view.version:
            latest = latest_change(flag)
            raise StaleRecordError(flag, seen, changed_by=latest.actor_label if latest else None,
                                   changed_at=latest.occurred_at if latest else None,
                                   changes=dict(latest.changes) if latest else {})
    if view.status not in LIVE_FLAG_STATUSES:
        raise ValidationFailed({"status": [str(ERR_CLOSED)]})


def acknowledgement_errors(comment: str | None, snoozed_until: date | None,
                           today: date | None = None) -> dict[str, list[str]]:
    """The acknowledgement's own rules (a comment; a snooze date in the future, within
    MAX_SNOOZE_DAYS), for one flag here and for a selection in ``flags.bulk``."""
    today = today or clock.today()
    errors: dict[str, list[str]] = {}
    if not (comment or "").strip():
        errors["comment"] = [str(ERR_COMMENT)]
    if snoozed_until is not None:
        if snoozed_until <= today:
            errors["snoozed_until"] = [str(ERR_SNOOZE_PAST)]
        elif snoozed_until > today + timedelta(days=MAX_SNOOZE_DAYS):
            errors["snoozed_until"] = [str(ERR_SNOOZE_FAR)]
    return errors


def acknowledge(flag: Flag, comment: str, snoozed_until: date | None, seen_version: int | None,
                today: date | None = None) -> Flag:
    """Acknowledging says "seen, being handled"; a snooze date returns it to the queue later
    (the sweep re-opens it once the date has passed)."""
    _check_open(flag, seen_version)
    errors = acknowledgement_errors(comment, snoozed_until, today)
    if errors:
        raise ValidationFailed(errors)
    target = handling_target(flag)
    target.status = FlagStatus.ACKNOWLEDGED
    target.acknowledged_at = utcnow()
    target.acknowledged_by_id = current_actor().user_id
    target.ack_comment = comment.strip()
    target.snoozed_until = snoozed_until
    return flag


def assign(flag: Flag, assignee_id: int | None, seen_version: int | None) -> Flag:
    _check_open(flag, seen_version)
    handling_target(flag).assignee_id = assignee_id
    return flag


def resolve(flag: Flag, note: str, seen_version: int | None, confirmed: bool = False) -> Flag:
    """A supervisor closes a flag by hand: resolving means "it is fixed". If the rule still
    finds the condition, the next sweep raises it again (a new flag), so unless ``confirmed``
    this refuses with ``ConditionStillHolds``; dismissing is the way to keep it quiet. For a
    shared flag this closes the acting organisation's view only."""
    _check_open(flag, seen_version)
    if not (note or "").strip():
        raise ValidationFailed({"note": [str(ERR_NOTE)]})
    if not confirmed and condition_holds(object_session(flag), flag):
        raise ConditionStillHolds()
    target = handling_target(flag)
    target.status = FlagStatus.RESOLVED
    target.resolved_at = utcnow()
    _record_resolver(target)
    target.resolution_note = note.strip()
    return flag


def dismiss(flag: Flag, justification: str, seen_version: int | None) -> Flag:
    """Dismissing keeps the flag's slot while the condition holds, so it is not raised again
    every night; the written justification stays in the flag (a shared flag: in the acting
    organisation's handling) and in the audit log."""
    _check_open(flag, seen_version)
    if len((justification or "").strip()) < 10:
        raise ValidationFailed({"justification": [str(ERR_JUSTIFICATION)]})
    target = handling_target(flag)
    target.status = FlagStatus.DISMISSED
    target.resolved_at = utcnow()
    _record_resolver(target)
    target.resolution_note = justification.strip()
    return flag
