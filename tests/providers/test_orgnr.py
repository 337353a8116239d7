"""Organisation numbers: 10 digits, Luhn check digit, any common spelling accepted."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vendor_registry.providers.models import format_org_number
from vendor_registry.providers.orgnr import (
    OrgNumberError,
    luhn_ok,
    normalise_org_number,
    with_check_digit,
)


@pytest.mark.parametrize("raw", ["556016-0680", "5560160680", "556016 0680", " 556016\u00a00680 "])
def test_accepted_spellings(raw):
    assert normalise_org_number(raw) == "5560160680"


@pytest.mark.parametrize("raw, message", [
    ("556016-0681", "kontrollsiffra"),
    ("55601606", "10 siffror"),
    ("55601606801", "10 siffror"),
    ("ABCDEF-GHIJ", "10 siffror"),
    ("", "10 siffror"),
])
def test_rejected_with_a_clear_message(raw, message):
    with pytest.raises(OrgNumberError) as info:
        normalise_org_number(raw)
    assert message in str(info.value.args[0])


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_generated_numbers_pass_and_one_digit_changes_fail(nine):
    number = with_check_digit(nine)
    assert luhn_ok(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not luhn_ok(wrong)


def test_display_format():
    assert format_org_number("5560160680") == "556016-0680"
