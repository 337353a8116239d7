"""The save step every edit view shares: one service call, then commit, or roll back and
show why — field errors from the service next to their fields (422), or who changed the
record in between (409) with the user's input kept."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash

from vendor_registry.concurrency import StaleRecordError
from vendor_registry.extensions import db
from vendor_registry.providers.form_errors import apply_field_errors
from vendor_registry.providers.services import ValidationFailed


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
