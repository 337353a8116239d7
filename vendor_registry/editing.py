"""The save step every edit view shares: one service call, then commit, or roll back and
show why — field errors from the service next to their fields (422), or who changed the
record in between (409) with the user's input kept."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash

from vendor_registry.concurrency import StaleRecordError
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db


def _find_field(form: Any, key: str) -> Any:
    """A top-level field, or a row field of a FieldList addressed as ``rows-N-name``."""
    field = form._fields.get(key) if key else None
    if field is None and key and key.count("-") >= 2:
        list_name, index, name = key.split("-", 2)
        entries = getattr(form._fields.get(list_name), "entries", None)
        if entries is not None and index.isdigit() and int(index) < len(entries):
            field = entries[int(index)].form._fields.get(name)
    return field


def apply_field_errors(form: Any, errors: dict[str, list[Any]]) -> None:
    """Put a service's field errors (ValidationFailed.errors) onto the form, so that a domain
    rule broken in the service shows next to its field like a form validation error."""
    for name, messages in errors.items():
        field = _find_field(form, name)
        if field is not None:
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            form.form_errors.extend(str(m) for m in messages)


@dataclass
class SaveOutcome:
    saved: bool
    result: Any = None
    stale: StaleRecordError | None = None


def save(form: Any, action: Callable[[], Any], success_message: str) -> SaveOutcome:
    """Run ``action`` (one service call); commit and flash on success."""
    try:
        result = action()
    except StaleRecordError as exc:
        db.session.rollback()
        return SaveOutcome(False, stale=exc)
    except ValidationFailed as exc:
        db.session.rollback()
        apply_field_errors(form, exc.errors)
        return SaveOutcome(False)
    db.session.commit()
    flash(success_message, "success")
    return SaveOutcome(True, result=result)


def page_status(form: Any, stale: StaleRecordError | None = None) -> int:
    """409 for a stale edit, 422 for invalid input, else 200."""
    if stale is not None:
        return 409
    return 422 if form.errors or form.form_errors else 200


def delete(action: Callable[[], Any], success_message: str, stale_message: str) -> bool:
    """Run a delete service call; on a stale version roll back and warn instead."""
    try:
        action()
    except StaleRecordError:
        db.session.rollback()
        flash(stale_message, "warning")
        return False
    db.session.commit()
    flash(success_message, "success")
    return True
