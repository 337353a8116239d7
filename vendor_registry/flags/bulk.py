"""Acknowledging or assigning many flags at once, from the queue page or the API.

Why a separate path rather than a loop over ``services.acknowledge``: the ORM writes a versioned
row with one UPDATE each (it must check each row's version), and ``check_version`` reads the
audit log for each stale one, so a supervisor selecting 200 flags would wait on hundreds of
round trips. Here the selection is read (and, on PostgreSQL, locked) in one SELECT, checked in
memory, changed with one UPDATE that raises each row's version, and audited with one INSERT of
one event per flag (``reconcile.record_flag_events``, as the sweeps do: Core statements are not
seen by the ORM listener). The number of statements does not depend on the selection's size.

A selection is a batch of independent requests, not one transaction that stands or falls as a
whole: a flag closed or changed by someone since the page was shown is *skipped* and reported,
the others go through. Bad input (no comment, a bad snooze date, an assignee who cannot handle
flags) refuses the batch before anything changes. Functions flush, never commit.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from vendor_registry.audit.context import current_actor
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagStatus
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.flags.handling import apply_handlings, handled_apart
from vendor_registry.flags.models import Flag
from vendor_registry.flags.reconcile import record_flag_events
from vendor_registry.flags.services import acknowledgement_errors

ACTIONS = ("acknowledge", "assign")
#: One request handles at most this many flags: the queue's largest page, with room to spare,
#: and far below the databases' limits on parameters in one ``IN`` list.
MAX_SELECTED = 500

ERR_NONE_SELECTED = _l("Markera minst en avvikelse.")
ERR_TOO_MANY = _l("Du kan hantera högst %(max)s avvikelser åt gången.")
ERR_ASSIGNEE = _l("Välj en aktiv användare som kan hantera avvikelser.")
SKIP_MISSING = _l("finns inte längre")
SKIP_CLOSED = _l("är redan avslutad")
SKIP_CHANGED = _l("har ändrats av någon annan sedan sidan visades")
ERR_RACE = _l("Några av avvikelserna ändrades medan de sparades. Inget är ändrat; försök igen.")


@dataclass
class Skipped:
    flag_id: int
    reason: str
    flag: Flag | None = None


@dataclass
class BulkResult:
    done: list[Flag] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def parse_selection(values: Iterable[str]) -> dict[int, int | None]:
    """The queue's checkboxes carry ``"<id>:<version>"`` (the version the page showed); a bare
    id is taken without a version check. Malformed values are ignored, not guessed at."""
    selection: dict[int, int | None] = {}
    for raw in values:
        head, _sep, tail = str(raw).strip().partition(":")
        if not head.isdigit() or len(head) > 12:
            continue
        version = int(tail) if tail.isdigit() and len(tail) <= 12 else None
        selection[int(head)] = version
    return selection


def _check_selection(selection: Mapping[int, int | None]) -> None:
    if not selection:
        raise ValidationFailed({"selected": [str(ERR_NONE_SELECTED)]})
    if len(selection) > MAX_SELECTED:
        raise ValidationFailed({"selected": [str(ERR_TOO_MANY % {"max": MAX_SELECTED})]})


def _partition(session: Session, selection: Mapping[int, int | None]) -> tuple[list[Flag], list[Skipped]]:
    """One SELECT (rows locked on PostgreSQL, so nobody changes them between read and write);
    returns the flags still to act on, in the queue's order of ids, and those skipped."""
    rows = session.scalars(
        select(Flag).where(Flag.id.in_(list(selection)))
        .options(joinedload(Flag.provider, innerjoin=True))
        .with_for_update(of=Flag)
        .execution_options(populate_existing=True)  # the acting organisation's handling as it is now
    ).unique()
    found = {flag.id: flag for flag in rows}
    active, skipped = [], []
    for flag_id in sorted(selection):
        flag = found.get(flag_id)
        seen = selection[flag_id]
        view = flag.view if flag is not None else None  # the acting organisation's (issue 14)
        if flag is None:
            skipped.append(Skipped(flag_id, str(SKIP_MISSING)))
        elif view.status not in (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED):
            skipped.append(Skipped(flag_id, str(SKIP_CLOSED), flag))
        elif seen is not None and seen != view.version:
            skipped.append(Skipped(flag_id, str(SKIP_CHANGED), flag))
        else:
            active.append(flag)
    return active, skipped


def acknowledge(session: Session, selection: Mapping[int, int | None], comment: str | None,
                snoozed_until: date | None = None, today: date | None = None) -> BulkResult:
    """Acknowledge each selected flag with the same comment (stored in each flag, so each gets
    its own audit event carrying it). The acknowledging person is the audit context's actor, as
    for every other service."""
    errors: dict[str, list[str]] = {}
    try:
        _check_selection(selection)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    errors.update(acknowledgement_errors(comment, snoozed_until, today))
    if errors:
        raise ValidationFailed(errors)
    flags, skipped = _partition(session, selection)
    values = {"status": FlagStatus.ACKNOWLEDGED, "acknowledged_at": utcnow(), "acknowledged_by_id": current_actor().user_id,
              "ack_comment": (comment or "").strip(), "snoozed_until": snoozed_until}
    _apply(session, flags, values)
    return BulkResult(done=flags, skipped=skipped)


def assign(session: Session, selection: Mapping[int, int | None], assignee_id: int | None,
           allowed_ids: Iterable[int]) -> BulkResult:
    """Give each selected flag the same person (or nobody); ``allowed_ids`` are the people who
    may handle flags (``queries.assignable_users``), read once by the caller."""
    errors: dict[str, list[str]] = {}
    try:
        _check_selection(selection)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if assignee_id is not None and assignee_id not in set(allowed_ids):
        errors["assignee_id"] = [str(ERR_ASSIGNEE)]
    if errors:
        raise ValidationFailed(errors)
    flags, skipped = _partition(session, selection)
    _apply(session, flags, {"assignee_id": assignee_id})
    return BulkResult(done=flags, skipped=skipped)


def _apply(session: Session, flags: list[Flag], values: dict[str, Any]) -> None:
    """The flag rows (own flags; every flag where the whole installation acts) and the acting
    organisation's handlings of shared flags (issue 14), each in a fixed number of statements."""
    apart = [flag for flag in flags if handled_apart(flag)]
    _apply_rows(session, [flag for flag in flags if not handled_apart(flag)], values)
    apply_handlings(session, apart, values)


def _apply_rows(session: Session, flags: list[Flag], values: dict[str, Any]) -> None:
    """One UPDATE for every flag, one audit event per flag that changed (with its own before
    values), and the loaded objects brought up to date without reloading them."""
    if not flags:
        return
    now = utcnow()
    table = Flag.__table__
    ids = [flag.id for flag in flags]
    result = session.execute(
        update(table).where(table.c.id.in_(ids), table.c.status.in_(LIVE_FLAG_STATUSES))
        .values(**values, version=table.c.version + 1))
    if result.rowcount != len(ids):  # only possible where rows cannot be locked (SQLite)
        raise ValidationFailed({"selected": [str(ERR_RACE)]})
    events = []
    for flag in flags:
        changes = {key: [getattr(flag, key), value] for key, value in values.items()
                   if _plain(getattr(flag, key)) != _plain(value)}
        if changes:
            events.append(("update", flag.id, flag.provider_id, changes, flag.organisation_id))
        for key, value in values.items():
            set_committed_value(flag, key, value)
        set_committed_value(flag, "version", flag.version + 1)
    record_flag_events(session, current_actor(), now, events)


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)
