"""Value types shared by every automatic check, and the one interface the app calls.

The app (``vendor_registry.background_checks``) stores a :class:`CheckResult` and decides
what to do with it; nothing in this package knows about the database, Flask or flags. The
types are frozen dataclasses so a result cannot be changed after the checker produced it,
and every field the app stores is either a primitive or JSON-serialisable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "CheckResult",
    "CheckStatus",
    "CheckSubject",
    "Checker",
    "Evidence",
    "ExpectedLicence",
    "LicenceFinding",
    "format_org_number",
    "luhn_valid",
    "normalise_org_number",
    "utc_now",
]


class CheckStatus(StrEnum):
    PASS = "pass"
    CONCERN = "concern"
    FAIL = "fail"
    ERROR = "error"


def utc_now() -> datetime:
    """Timezone-aware UTC now; the app shows it in Europe/Stockholm."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Evidence:
    """What the source actually answered, so a person can later see why a verdict was made."""

    source_url: str
    request_id: str | None
    sha256: str | None
    raw: bytes | None
    content_type: str | None

    @classmethod
    def from_body(
        cls,
        source_url: str,
        raw: bytes | None,
        content_type: str | None = None,
        request_id: str | None = None,
    ) -> Evidence:
        """Build evidence with the digest computed here, so it always matches ``raw``."""
        digest = hashlib.sha256(raw).hexdigest() if raw is not None else None
        return cls(source_url, request_id, digest, raw, content_type)


@dataclass(frozen=True)
class LicenceFinding:
    """One row the IVO register shows for an organisation number."""

    org_number: str  # 10 digits
    name: str
    kind: str | None  # "hvb" | "protected_housing" | "supported_housing" | "other" | None
    kind_text: str
    decided_on: date | None
    status: str  # "valid" | "revoked" | "expired" | "unknown"
    status_text: str
    reference: str | None
    scope_text: str = ""  # the permit's target group when the page has its own column for it

    def to_dict(self) -> dict[str, Any]:
        return {
            "org_number": self.org_number,
            "name": self.name,
            "kind": self.kind,
            "kind_text": self.kind_text,
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "status": self.status,
            "status_text": self.status_text,
            "reference": self.reference,
            "scope_text": self.scope_text,
        }


@dataclass(frozen=True)
class ExpectedLicence:
    """A licence as our own record has it; the checker compares the register against it."""

    id: int
    kind: str
    ivo_reference: str | None
    status: str
    scope: str | None = None  # our record's scope/target group, compared with the register's


@dataclass(frozen=True)
class CheckSubject:
    org_number: str
    name: str
    licences: tuple[ExpectedLicence, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    status: CheckStatus
    summary: str
    details: dict
    evidence: Evidence | None
    fetched_at: datetime
    check_type: str

    @classmethod
    def make(
        cls,
        check_type: str,
        status: CheckStatus,
        summary: str,
        *,
        details: dict | None = None,
        evidence: Evidence | None = None,
        fetched_at: datetime | None = None,
    ) -> CheckResult:
        return cls(
            status=status,
            summary=summary,
            details=dict(details or {}),
            evidence=evidence,
            fetched_at=fetched_at or utc_now(),
            check_type=check_type,
        )

    @classmethod
    def error(
        cls,
        check_type: str,
        summary: str,
        *,
        evidence: Evidence | None = None,
        details: dict | None = None,
    ) -> CheckResult:
        """An answer that says nothing about the provider.

        Any licence statuses a caller may have put in ``details`` are dropped here, so an
        error can never be mistaken for a definite answer by the app.
        """
        clean = {k: v for k, v in (details or {}).items() if k != "licences"}
        return cls.make(check_type, CheckStatus.ERROR, summary, details=clean, evidence=evidence)

    @property
    def is_definite(self) -> bool:
        return self.status is not CheckStatus.ERROR


@runtime_checkable
class Checker(Protocol):
    check_type: str

    def check(self, subject: CheckSubject) -> CheckResult: ...


# --- organisation numbers -------------------------------------------------------------

# Characters people and web pages put inside numbers: spaces of all widths and dashes.
_NUMBER_NOISE = re.compile(r"[\s\u00a0\u2007\u202f\u2009\-\u2010\u2011\u2012\u2013\u2014]")
_CENTURY_PREFIXES = ("16", "18", "19", "20")


def luhn_valid(digits: str) -> bool:
    """Swedish organisation numbers end in a Luhn (mod 10) check digit over the ten digits."""
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_org_number(value: object) -> str | None:
    """Ten digits for a valid organisation number, else None.

    Registers and spreadsheets write the number as ``NNNNNN-NNNN``, with spaces or
    non-breaking spaces, or with a century prefix (``16`` for legal entities); all of those
    are accepted. A number failing the check digit is rejected rather than guessed at.
    """
    if value is None:
        return None
    text = _NUMBER_NOISE.sub("", str(value))
    if len(text) == 12 and text.startswith(_CENTURY_PREFIXES):
        text = text[2:]
    if len(text) != 10 or not luhn_valid(text):
        return None
    return text


def format_org_number(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}"

