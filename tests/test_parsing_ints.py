"""The one reading of integers from URLs (``parsing.bounded_int`` and its two shorthands)."""
from __future__ import annotations

import pytest

from vendor_registry.parsing import (
    MAX_ID,
    MAX_PAGE,
    bounded_int,
    page_number,
    record_id,
    record_ids,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", 12), (" 12 ", 12), ("+3", 3), ("-3", -3), (7, 7),
    ("", None), (None, None), ("x", None), ("1_0", None), ("١٢", None), ("1.5", None), (True, None),
    ("9" * 24, None), (str(2**63), None), (str(2**63 - 1), 2**63 - 1), ("-" + "9" * 24, None),
])
def test_bounded_int(raw, expected):
    assert bounded_int(raw, None, low=-(2**63), high=2**63 - 1) == expected


def test_record_ids_are_positive_and_fit_an_id_column():
    assert record_id("1") == 1 and record_id(str(MAX_ID)) == MAX_ID
    assert record_id("0") is None and record_id(str(MAX_ID + 1)) is None and record_id("-1") is None
    assert record_ids(["3", "x", "3", "9" * 30, "2"]) == [3, 2]


@pytest.mark.parametrize(("raw", "expected"), [
    (None, 1), ("", 1), ("x", 1), ("0", 1), ("-4", 1), ("2", 2), ("9" * 24, 1), (str(MAX_PAGE + 1), MAX_PAGE),
])
def test_page_number(raw, expected):
    assert page_number(raw) == expected
