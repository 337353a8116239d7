"""Licence writes: register, edit (optimistic locking) and delete a provider's IVO licences.

A licence's dates and codes are checked here, not only in the form, because the API writes
through the same functions. When the user states that they verified the licence, how and
against what evidence is required: a "verified" mark without evidence is worth nothing in a
later inspection.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from vendor_registry import clock
from vendor_registry.background_checks.evidence import check_document_belongs
from vendor_registry.codes import (
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    VerificationMethod,
)
from vendor_registry.concurrency import check_version
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence
from vendor_registry.providers.models import Provider

EDITABLE_FIELDS = ("kind", "form", "ivo_reference", "scope", "granted_on", "ends_on", "status", "notes")
_CODES = {"kind": LicenceKind, "form": LicenceForm, "status": LicenceStatus}


def _clean(data: Mapping[str, Any], *, creating: bool, provider_id: int, today: date | None = None) -> dict[str, Any]:
    today = today or clock.today()
    errors: dict[str, list[Any]] = {}
    values = {key: data[key] for key in EDITABLE_FIELDS if key in data}
    if "evidence_document_id" in data:
        try:
            values["evidence_document_id"] = check_document_belongs(provider_id, data["evidence_document_id"])
        except ValueError:
            errors.setdefault("evidence_document_id", []).append(_l("Filen hör inte till den här utförarens underlag."))
    for key, enum_cls in _CODES.items():
        if key in values or creating:
            try:
                values[key] = enum_cls(values.get(key))
            except ValueError:
                errors.setdefault(key, []).append(_l("Välj ett värde i listan."))
    for key in ("ivo_reference", "scope", "notes"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip() or None
    granted, ends = values.get("granted_on"), values.get("ends_on")
    if isinstance(granted, date) and granted > today:
        errors.setdefault("granted_on", []).append(_l("Beslutsdatumet kan inte ligga i framtiden."))
    if isinstance(granted, date) and isinstance(ends, date) and ends <= granted:
        errors.setdefault("ends_on", []).append(_l("Slutdatumet måste vara efter beslutsdatumet."))
    if data.get("verified"):
        method = data.get("verification_method")
        try:
            values["verification_method"] = VerificationMethod(method)
        except ValueError:
            errors.setdefault("verification_method", []).append(_l("Ange hur tillståndet verifierades."))
        evidence = (data.get("evidence") or "").strip()
        if not evidence and not data.get("evidence_document_id"):
            errors.setdefault("evidence", []).append(
                _l("Ange underlaget för verifieringen: en länk, en dokumentreferens eller en uppladdad fil."))
        elif len(evidence) > 500:
            errors.setdefault("evidence", []).append(_l("Underlaget får vara högst 500 tecken."))
        values["evidence"] = evidence or None
        verified_at = data.get("last_verified_at")
        values["last_verified_at"] = verified_at if isinstance(verified_at, datetime) else utcnow()
    if errors:
        raise ValidationFailed(errors)
    return values


def create_licence(provider: Provider, data: Mapping[str, Any]) -> Licence:
    """Register a licence for ``provider``; ``data`` uses the model's field names plus
    ``verified`` (bool), ``verification_method``, ``evidence`` and ``evidence_document_id``
    (one of the provider's uploaded files)."""
    values = _clean(data, creating=True, provider_id=provider.id)
    licence = Licence(provider_id=provider.id, **values)
    db.session.add(licence)
    db.session.flush()
    return licence


def update_licence(licence: Licence, data: Mapping[str, Any], seen_version: int | str | None) -> Licence:
    """Apply an edit made on ``seen_version``; a stale edit raises StaleRecordError."""
    check_version(licence, seen_version)
    for key, value in _clean(data, creating=False, provider_id=licence.provider_id).items():
        setattr(licence, key, value)
    db.session.flush()
    return licence


def delete_licence(licence: Licence, seen_version: int | str | None) -> None:
    """Delete a licence registered by mistake (the audit log keeps what it held)."""
    check_version(licence, seen_version)
    db.session.delete(licence)
    db.session.flush()
