"""Writes to the method catalogue, edited by an admin.

Matching and demand profiles rank providers on a method's evidence level, so the level is
always stored together with the source it came from, and a method is retired (inactive)
rather than deleted, because providers' offers keep pointing at it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vendor_registry.codes import EvidenceLevel
from vendor_registry.concurrency import check_version
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.methods.models import Method

FIELDS = ("name", "short_name", "description", "evidence_level", "evidence_source", "active")


def all_methods() -> list[Method]:
    return list(db.session.scalars(select(Method).order_by(Method.active.desc(), Method.name)))


def _clean(data: Mapping[str, Any], current: Method | None) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    values = {key: data[key] for key in FIELDS if key in data}
    for key in ("name", "short_name", "description", "evidence_source"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip() or None
    if not values.get("name"):
        errors.setdefault("name", []).append(_l("Ange metodens namn."))
    else:
        clash = db.session.scalar(select(Method).where(func.lower(Method.name) == values["name"].lower()))
        if clash is not None and clash is not current:
            errors.setdefault("name", []).append(_l("Det finns redan en metod med det namnet."))
    try:
        values["evidence_level"] = EvidenceLevel(values.get("evidence_level") or EvidenceLevel.NOT_ASSESSED)
    except ValueError:
        errors.setdefault("evidence_level", []).append(_l("Välj en evidensnivå."))
    else:
        if values["evidence_level"] != EvidenceLevel.NOT_ASSESSED and not values.get("evidence_source"):
            errors.setdefault("evidence_source", []).append(
                _l("Ange källan till bedömningen av evidensen (t.ex. Socialstyrelsens metodguide).")
            )
    values["active"] = bool(values.get("active", True))
    if errors:
        raise ValidationFailed(errors)
    return values


def create_method(data: Mapping[str, Any]) -> Method:
    method = Method(**_clean(data, None))
    db.session.add(method)
    db.session.flush()
    return method


def update_method(method: Method, data: Mapping[str, Any], seen_version: int | str | None) -> Method:
    check_version(method, seen_version)
    for key, value in _clean(data, method).items():
        setattr(method, key, value)
    db.session.flush()
    return method
