"""Method writes. The offered-method functions (a provider offers a catalogue method with a
number of trained staff and an optional certification end date) are named ``*_offered_method``;
the catalogue's own writes live beside them under their own names.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vendor_registry.concurrency import check_version
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.methods.models import Method, ProviderMethod
from vendor_registry.providers.models import Provider

OFFERED_FIELDS = ("trained_staff", "certification_ends_on", "notes")


def _clean_offered(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: data[key] for key in OFFERED_FIELDS if key in data}
    errors: dict[str, list[Any]] = {}
    if "trained_staff" in values:
        staff = values["trained_staff"]
        if staff is None:
            values["trained_staff"] = 0
        elif not isinstance(staff, int) or staff < 0 or staff > 10000:
            errors["trained_staff"] = [_l("Ange ett antal mellan 0 och 10 000.")]
    if "notes" in values:
        values["notes"] = (values["notes"] or "").strip() or None
    if errors:
        raise ValidationFailed(errors)
    return values


def add_offered_method(provider: Provider, data: Mapping[str, Any]) -> ProviderMethod:
    """Record that ``provider`` offers the catalogue method ``data["method_id"]`` (once)."""
    method = db.session.get(Method, data.get("method_id")) if data.get("method_id") else None
    if method is None or not method.active:
        raise ValidationFailed({"method_id": [_l("Välj en metod i listan.")]})
    values = _clean_offered(data)
    clash = db.session.scalar(select(ProviderMethod.id).where(
        ProviderMethod.provider_id == provider.id, ProviderMethod.method_id == method.id))
    if clash is not None:
        raise ValidationFailed({"method_id": [_l("Utföraren erbjuder redan %(name)s. Redigera den raden i stället.",
                                                 name=method.name)]})
    offered = ProviderMethod(provider_id=provider.id, method_id=method.id, **values)
    db.session.add(offered)
    db.session.flush()
    return offered


def update_offered_method(offered: ProviderMethod, data: Mapping[str, Any],
                          seen_version: int | str | None) -> ProviderMethod:
    """Edit staff numbers, certification date or notes; a stale edit raises StaleRecordError."""
    check_version(offered, seen_version)
    for key, value in _clean_offered(data).items():
        setattr(offered, key, value)
    db.session.flush()
    return offered


def remove_offered_method(offered: ProviderMethod, seen_version: int | str | None) -> None:
    check_version(offered, seen_version)
    db.session.delete(offered)
    db.session.flush()
