"""Putting a service's field errors (ValidationFailed.errors) onto a WTForms form.

Shared by every edit view of the provider screens, so that a domain rule broken in the
service shows next to its field exactly like a form-level validation error.
"""
from __future__ import annotations

from typing import Any


def apply_field_errors(form: Any, errors: dict[str, list[Any]]) -> None:
    for name, messages in errors.items():
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = list(field.errors) + [str(m) for m in messages]
        else:
            form.form_errors.extend(str(m) for m in messages)
