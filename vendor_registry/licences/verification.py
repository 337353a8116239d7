"""Updating a licence from a definite register answer (the register page or an IVO extract).

Only an answer the register actually gave may change what we hold, and only in the
directions a register can vouch for on its own: a licence it shows as revoked or expired
becomes so; one it shows as valid becomes valid when we held it as applied for or unknown.
A register saying "valid" about a licence we hold as revoked or expired is a discrepancy
for a person to look at (the checker reports it as a concern), not something to overwrite.
A pending appeal (``revocation_appealed``) is not undone by the register still listing the
revocation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vendor_registry.codes import LicenceStatus, VerificationMethod
from vendor_registry.licences.models import Licence

#: Register answers we accept as definite, mapped to our status.
DEFINITE_ANSWERS = {
    "valid": LicenceStatus.VALID,
    "revoked": LicenceStatus.REVOKED,
    "expired": LicenceStatus.EXPIRED,
}
_LAPSED = {LicenceStatus.REVOKED, LicenceStatus.EXPIRED}


@dataclass(frozen=True)
class VerificationOutcome:
    licence_id: int
    before: LicenceStatus
    after: LicenceStatus

    @property
    def changed(self) -> bool:
        return self.before != self.after


def status_after(current: LicenceStatus, answer: str) -> LicenceStatus:
    """The status a licence would have after the register's ``answer`` (unchanged if unsure)."""
    new = DEFINITE_ANSWERS.get(answer)
    if new is None:
        return current
    if new in _LAPSED:
        if current == LicenceStatus.REVOCATION_APPEALED and new == LicenceStatus.REVOKED:
            return current
        return new
    if current in (LicenceStatus.APPLIED, LicenceStatus.UNKNOWN, LicenceStatus.VALID):
        return LicenceStatus.VALID
    return current


def apply_register_answer(
    licence: Licence,
    answer: str,
    *,
    method: VerificationMethod,
    verified_at: datetime,
    evidence_document_id: int | None = None,
    evidence: str | None = None,
) -> VerificationOutcome:
    """Record that the register answered ``answer`` for ``licence`` at ``verified_at``.

    The caller must only call this with an answer the source really gave about this licence
    (never on an error): ``last_verified_at`` means "a source confirmed it then".
    """
    before = licence.status
    if answer not in DEFINITE_ANSWERS:
        return VerificationOutcome(licence.id, before, before)
    after = status_after(before, answer)
    licence.status = after
    licence.last_verified_at = verified_at
    licence.verification_method = method
    if evidence_document_id is not None:
        licence.evidence_document_id = evidence_document_id
    if evidence:
        licence.evidence = evidence[:500]
    return VerificationOutcome(licence.id, before, after)
