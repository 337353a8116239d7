"""Provider writes: registration, edits with optimistic locking, approval transitions.

Services validate the domain rules (a unique, valid organisation number; allowed status
transitions) and flush; the audit listener records every change; the caller commits.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vendor_registry.audit.context import current_actor
from vendor_registry.codes import COUNTIES, ProviderStatus
from vendor_registry.concurrency import check_version
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.providers.models import ApprovalEvent, Provider
from vendor_registry.providers.orgnr import OrgNumberError, normalise_org_number

EDITABLE_FIELDS = (
    "org_number", "name", "kinds", "ownership", "municipality", "county", "counties_served",
    "capacity", "target_groups", "housing_forms", "max_threat_level", "languages",
    "service_areas", "contact_name", "contact_email", "contact_phone", "website", "address", "notes",
)


def _clean(data: Mapping[str, Any], current: Provider | None) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    values = {key: data[key] for key in EDITABLE_FIELDS if key in data}
    if "org_number" in values:
        try:
            values["org_number"] = normalise_org_number(values["org_number"])
        except OrgNumberError as exc:
            errors.setdefault("org_number", []).append(exc.args[0])
        else:
            clash = db.session.scalar(select(Provider).where(Provider.org_number == values["org_number"]))
            if clash is not None and clash is not current:
                errors.setdefault("org_number", []).append(
                    _l("Organisationsnumret är redan registrerat för %(name)s.", name=clash.name)
                )
    if "name" in values and not (values["name"] or "").strip():
        errors.setdefault("name", []).append(_l("Ange utförarens namn."))
    if "county" in values and values["county"] not in COUNTIES:
        errors.setdefault("county", []).append(_l("Välj ett län."))
    for key in ("counties_served",):
        bad = [c for c in values.get(key) or [] if c not in COUNTIES]
        if bad:
            errors.setdefault(key, []).append(_l("Okänd länskod: %(codes)s", codes=", ".join(bad)))
    if "kinds" in values and not values["kinds"]:
        errors.setdefault("kinds", []).append(_l("Välj minst en verksamhetstyp."))
    if values.get("capacity") is not None and int(values["capacity"]) < 0:
        errors.setdefault("capacity", []).append(_l("Antalet platser kan inte vara negativt."))
    if errors:
        raise ValidationFailed(errors)
    for key in ("name", "municipality", "contact_name", "contact_email", "contact_phone", "website", "address",
                "notes"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip() or None if key != "name" else values[key].strip()
    return values


def create_provider(data: Mapping[str, Any]) -> Provider:
    """A new provider always starts as a draft; its first history entry says who registered it."""
    values = _clean(data, None)
    missing = [k for k in ("org_number", "name", "kinds", "ownership", "county") if not values.get(k)]
    if missing:
        raise ValidationFailed({k: [_l("Uppgiften är obligatorisk.")] for k in missing})
    provider = Provider(**values, status=ProviderStatus.DRAFT, status_changed_at=utcnow())
    db.session.add(provider)
    db.session.flush()
    _record_transition(provider, None, ProviderStatus.DRAFT, reason=None)
    db.session.flush()
    return provider


def update_provider(provider: Provider, data: Mapping[str, Any], seen_version: int | str | None) -> Provider:
    """Apply an edit made on ``seen_version``; a stale edit raises StaleRecordError."""
    check_version(provider, seen_version)
    values = _clean(data, provider)
    for key, value in values.items():
        setattr(provider, key, value)
    db.session.flush()
    return provider


def _record_transition(
    provider: Provider,
    from_status: ProviderStatus | None,
    to_status: ProviderStatus,
    *,
    reason: str | None,
    override_justification: str | None = None,
    conditions: str | None = None,
    conditions_until: date | None = None,
) -> ApprovalEvent:
    actor = current_actor()
    event = ApprovalEvent(
        provider_id=provider.id,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.user_id,
        actor_label=actor.label,
        reason=reason,
        override_justification=override_justification,
        conditions=conditions,
        conditions_until=conditions_until,
        created_at=utcnow(),
    )
    db.session.add(event)
    return event
