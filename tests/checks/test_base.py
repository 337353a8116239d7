"""The shared value types and the organisation-number rules every checker relies on."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from checks.base import (
    Checker,
    CheckResult,
    CheckStatus,
    Evidence,
    format_org_number,
    luhn_valid,
    normalise_org_number,
)
from checks.company_registry import CompanyRegistryChecker
from checks.ivo_register import IvoRegisterChecker


def _with_check_digit(nine: str) -> str:
    return next(nine + str(d) for d in range(10) if luhn_valid(nine + str(d)))


def test_known_numbers_pass_and_fail_the_check_digit():
    assert luhn_valid("5593000127")
    assert not luhn_valid("5593000128")
    assert not luhn_valid("559300012x")


def test_normalise_accepts_the_ways_people_write_numbers():
    for written in ("5593000127", "559300-0127", "559300 0127", "559300\u00a00127",
                    " 559300\u20110127 ", "16559300-0127"):
        assert normalise_org_number(written) == "5593000127", written


def test_normalise_rejects_bad_check_digit_and_wrong_length():
    assert normalise_org_number("559300-0128") is None
    assert normalise_org_number("55930001") is None
    assert normalise_org_number("") is None
    assert normalise_org_number(None) is None


@given(st.text(alphabet="0123456789", min_size=9, max_size=9),
       st.sampled_from(["", "-", " ", "\u00a0", "\u2011"]))
def test_any_valid_number_round_trips_through_any_separator(nine, separator):
    digits = _with_check_digit(nine)
    written = digits[:6] + separator + digits[6:]
    assert normalise_org_number(written) == digits
    assert format_org_number(digits) == f"{digits[:6]}-{digits[6:]}"


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_a_single_changed_digit_is_always_caught(digits):
    if not luhn_valid(digits):
        return
    last = (int(digits[-1]) + 1) % 10
    assert normalise_org_number(digits[:-1] + str(last)) is None


def test_error_result_never_carries_licence_statuses():
    result = CheckResult.error("ivo_register", "Kunde inte ansluta.",
                               details={"licences": {"1": "revoked"}, "url": "http://x"})
    assert result.status is CheckStatus.ERROR
    assert "licences" not in result.details
    assert result.details["url"] == "http://x"
    assert result.fetched_at.utcoffset().total_seconds() == 0
    json.dumps(result.details)


def test_evidence_digest_matches_the_bytes():
    evidence = Evidence.from_body("http://x", b"<html></html>", "text/html", "abc")
    assert evidence.sha256 == hashlib.sha256(b"<html></html>").hexdigest()
    assert evidence.request_id == "abc"


def test_both_checkers_satisfy_the_protocol(fast_session):
    ivo = IvoRegisterChecker("http://x/{org_number}", session=fast_session())
    assert isinstance(ivo, Checker)
    assert ivo.check_type == "ivo_register"
    assert CompanyRegistryChecker.check_type == "company_registry"


def test_checks_imports_neither_the_app_nor_flask():
    import ast
    from pathlib import Path

    import checks

    for module in Path(checks.__file__).parent.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("vendor_registry", "flask")), (module.name, name)
