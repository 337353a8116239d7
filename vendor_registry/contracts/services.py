"""Contract writes: register, edit (optimistic locking) and delete a provider's agreements.

Dates and the price are checked here too (not only in the form) because the API writes
through the same functions; a negative or fractional-öre price is refused rather than
rounded, since a price is what a municipality will be invoiced.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from vendor_registry.codes import ContractKind
from vendor_registry.concurrency import check_version
from vendor_registry.contracts.models import Contract
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.parsing import parse_swedish_decimal
from vendor_registry.providers.models import Provider

EDITABLE_FIELDS = ("kind", "reference", "starts_on", "ends_on", "price_per_day", "scope")
MAX_PRICE = Decimal("9999999999.99")


def _clean(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    values = {key: data[key] for key in EDITABLE_FIELDS if key in data}
    if "kind" in values or creating:
        try:
            values["kind"] = ContractKind(values.get("kind"))
        except ValueError:
            errors.setdefault("kind", []).append(_l("Välj en avtalsform i listan."))
    if "reference" in values or creating:
        values["reference"] = (values.get("reference") or "").strip()
        if not values["reference"]:
            errors.setdefault("reference", []).append(_l("Ange avtalets referens eller diarienummer."))
    if "scope" in values:
        values["scope"] = (values["scope"] or "").strip() or None
    if creating and not isinstance(values.get("starts_on"), date):
        errors.setdefault("starts_on", []).append(_l("Ange avtalets startdatum."))
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if isinstance(starts, date) and isinstance(ends, date) and ends <= starts:
        errors.setdefault("ends_on", []).append(_l("Slutdatumet måste vara efter startdatumet."))
    if "price_per_day" in values:
        try:
            price = parse_swedish_decimal(values["price_per_day"])
        except ValueError:
            errors.setdefault("price_per_day", []).append(
                _l("Ange priset som ett tal, till exempel 3 000,50."))
        else:
            if price is not None and price < 0:
                errors.setdefault("price_per_day", []).append(_l("Priset kan inte vara negativt."))
            elif price is not None and (price > MAX_PRICE or price != price.quantize(Decimal("0.01"))):
                errors.setdefault("price_per_day", []).append(
                    _l("Ange priset i kronor med högst två decimaler."))
            values["price_per_day"] = price
    if errors:
        raise ValidationFailed(errors)
    return values


def create_contract(provider: Provider, data: Mapping[str, Any]) -> Contract:
    contract = Contract(provider_id=provider.id, **_clean(data, creating=True))
    db.session.add(contract)
    db.session.flush()
    return contract


def update_contract(contract: Contract, data: Mapping[str, Any], seen_version: int | str | None) -> Contract:
    """Apply an edit made on ``seen_version``; a stale edit raises StaleRecordError."""
    check_version(contract, seen_version)
    values = _clean(data, creating=False)
    starts = values.get("starts_on", contract.starts_on)
    ends = values.get("ends_on", contract.ends_on) if "ends_on" in values else contract.ends_on
    if isinstance(starts, date) and isinstance(ends, date) and ends <= starts:
        raise ValidationFailed({"ends_on": [_l("Slutdatumet måste vara efter startdatumet.")]})
    for key, value in values.items():
        setattr(contract, key, value)
    db.session.flush()
    return contract


def delete_contract(contract: Contract, seen_version: int | str | None) -> None:
    check_version(contract, seen_version)
    db.session.delete(contract)
    db.session.flush()
