"""The save step every edit view shares: one service call, then commit, or roll back and
show why — field errors from the service next to their fields (422), or who changed the
record in between (409) with the user's input kept."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash
from werkzeug.exceptions import HTTPException

from vendor_registry.concurrency import StaleRecordError
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db

#: FieldList name -> the form row index of each row the service was given (blank rows are
#: not sent, so the service's row 2 may be the form's row 3).
RowMap = dict[str, list[int]]


def _find_field(form: Any, key: str, rows: RowMap | None = None) -> Any:
    """A top-level field, or a row field of a FieldList addressed as ``rows-N-name``."""
    field = form._fields.get(key) if key else None
    if field is None and key and key.count("-") >= 2:
        list_name, index, name = key.split("-", 2)
        entries = getattr(form._fields.get(list_name), "entries", None)
        if entries is not None and index.isdigit():
            position = int(index)
            kept = (rows or {}).get(list_name)
            if kept is not None:
                position = kept[position] if position < len(kept) else len(entries)
            if position < len(entries):
                field = entries[position].form._fields.get(name)
    return field


def apply_field_errors(form: Any, errors: dict[str, list[Any]], rows: RowMap | None = None) -> None:
    """Put a service's field errors (ValidationFailed.errors) onto the form, so that a domain
    rule broken in the service shows next to its field like a form validation error."""
    for name, messages in errors.items():
        field = _find_field(form, name, rows)
        if field is not None:
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            form.form_errors.extend(str(m) for m in messages)


@dataclass
class SaveOutcome:
    saved: bool
    result: Any = None
    stale: StaleRecordError | None = None
    errors: dict[str, list[Any]] = field(default_factory=dict)


def save(form: Any, action: Callable[[], Any], success_message: str | Callable[[Any], str],
         rows: RowMap | None = None, *, on_form: bool = True) -> SaveOutcome:
    """Run ``action`` (one service call); commit and flash on success. ``success_message`` may
    be a function of the result (a message that names what was created). ``rows`` maps the
    service's FieldList row numbers back to the form's. ``on_form=False`` leaves the errors to
    the caller (``SaveOutcome.errors``), for a page whose inputs are not form fields."""
    try:
        result = action()
    except HTTPException:  # e.g. a file too large (413): nothing of it may be committed
        db.session.rollback()
        raise
    except PermissionError:
        db.session.rollback()
        abort(403)
    except StaleRecordError as exc:
        db.session.rollback()
        return SaveOutcome(False, stale=exc)
    except ValidationFailed as exc:
        db.session.rollback()
        if on_form:
            apply_field_errors(form, exc.errors, rows)
        return SaveOutcome(False, errors=exc.errors)
    db.session.commit()
    flash(success_message(result) if callable(success_message) else success_message, "success")
    return SaveOutcome(True, result=result)


def _field_has_errors(field: Any) -> bool:
    entries = getattr(field, "entries", None)
    if entries is not None:  # a FieldList caches its errors at validation; read its rows
        return any(_field_has_errors(entry) for entry in entries)
    subform = getattr(field, "form", None)
    if subform is not None and hasattr(subform, "_fields"):  # a FormField
        return bool(subform.form_errors) or any(_field_has_errors(f) for f in subform)
    return bool(field.errors)


def has_errors(form: Any) -> bool:
    """Any error on the form, its fields or its FieldList rows (service errors included)."""
    return bool(form.form_errors) or any(_field_has_errors(field) for field in form)


def field_errors(form: Any) -> dict[str, list[str]]:
    """Top-level field errors as plain strings, with form-level ones under ``""``."""
    errors = {name: [str(m) for m in field.errors] for name, field in form._fields.items() if field.errors}
    if form.form_errors:
        errors[""] = [str(m) for m in form.form_errors]
    return errors


def page_status(form: Any, stale: StaleRecordError | None = None) -> int:
    """409 for a stale edit, 422 for invalid input, else 200."""
    if stale is not None:
        return 409
    return 422 if has_errors(form) else 200


def delete(action: Callable[[], Any], success_message: str,
           stale_message: str | Callable[[StaleRecordError], str]) -> bool:
    """Run a form-less service call (a delete, a one-button action); on a stale version roll
    back and warn instead (``stale_message`` may say who changed it, from the error)."""
    try:
        action()
    except PermissionError:
        db.session.rollback()
        abort(403)
    except StaleRecordError as exc:
        db.session.rollback()
        flash(stale_message(exc) if callable(stale_message) else stale_message, "warning")
        return False
    db.session.commit()
    flash(success_message, "success")
    return True


@contextmanager
def dry_run() -> Iterator[None]:
    """A preview that may load and flush but must leave nothing behind: always rolled back."""
    try:
        yield
    finally:
        db.session.rollback()
