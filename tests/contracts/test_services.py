"""Contract services: Swedish price notation, date order, optimistic locking."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import make_contract, make_provider
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.contracts.services import (
    create_contract,
    parse_swedish_decimal,
    update_contract,
)
from vendor_registry.errors import ValidationFailed

BASE = {"kind": "framework", "reference": "RA-2025-1", "starts_on": date(2025, 1, 1), "ends_on": date(2026, 12, 31)}


@pytest.mark.parametrize("raw, expected", [
    ("3 000,50", Decimal("3000.50")), ("3\u00a0000", Decimal(3000)), ("2999.5", Decimal("2999.5")),
    ("0", Decimal(0)), ("", None), (None, None), ("1\u202f250,75", Decimal("1250.75")),
])
def test_parse_swedish_decimal(raw, expected):
    assert parse_swedish_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["3.000,50", "tre tusen", "1e5x", "NaN", "Infinity"])
def test_parse_swedish_decimal_refuses(raw):
    with pytest.raises(ValueError):
        parse_swedish_decimal(raw)


def test_create_with_swedish_price(db_session):
    contract = create_contract(make_provider(), dict(BASE, price_per_day="3 000,50"))
    assert contract.price_per_day == Decimal("3000.50")


@pytest.mark.parametrize("change, field", [
    ({"price_per_day": "-1"}, "price_per_day"),
    ({"price_per_day": "12,345"}, "price_per_day"),
    ({"price_per_day": "abc"}, "price_per_day"),
    ({"ends_on": date(2024, 12, 31)}, "ends_on"),
    ({"ends_on": date(2025, 1, 1)}, "ends_on"),
    ({"reference": "  "}, "reference"),
    ({"kind": "handshake"}, "kind"),
    ({"starts_on": None}, "starts_on"),
])
def test_invalid_values(db_session, change, field):
    with pytest.raises(ValidationFailed) as failed:
        create_contract(make_provider(), dict(BASE, **change))
    assert field in failed.value.errors


def test_update_checks_dates_against_stored_values_and_version(db_session):
    contract = make_contract(make_provider(), starts_on=date(2025, 6, 1), ends_on=None)
    with pytest.raises(ValidationFailed):
        update_contract(contract, {"ends_on": date(2025, 5, 1)}, contract.version)
    seen = contract.version
    update_contract(contract, {"price_per_day": Decimal(2500)}, seen)
    assert contract.price_per_day == Decimal(2500)
    with pytest.raises(StaleRecordError):
        update_contract(contract, {"price_per_day": Decimal(1)}, seen)
