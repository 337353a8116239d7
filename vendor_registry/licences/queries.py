"""Licence reads shared by the provider page, the edit forms, the lists and the API."""
from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from vendor_registry import clock
from vendor_registry.codes import (
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    Ownership,
    ProviderKind,
)
from vendor_registry.extensions import db
from vendor_registry.idsets import ProviderIds, in_set, materialise, result_map
from vendor_registry.licences.models import Licence


def licences_for_provider(provider_id: int) -> list[Licence]:
    """All of a provider's licences, newest decision first (one statement)."""
    stmt = (select(Licence).where(Licence.provider_id == provider_id)
            .order_by(Licence.granted_on.desc().nulls_last(), Licence.id.desc()))
    return list(db.session.scalars(stmt))


def get_licence_or_404(provider_id: int, licence_id: int) -> Licence:
    """The licence, only under its own provider's URL (a mismatched pair is a 404)."""
    return db.first_or_404(select(Licence).where(Licence.id == licence_id, Licence.provider_id == provider_id))


class LicenceState(StrEnum):
    """A provider's licences summed up in one word, best first."""

    VALID = "valid"  # at least one licence valid today
    APPLIED = "applied"  # none valid, at least one applied for
    APPEALED = "appealed"  # none valid or applied for; a revocation is under appeal
    REVOKED = "revoked"  # none valid or pending; at least one revoked (worse than run out)
    EXPIRED = "expired"  # none valid, pending or revoked; at least one expired or past its end date
    UNKNOWN = "unknown"  # only licences of unknown status
    NONE = "none"  # no licence recorded

    @property
    def label(self) -> str:
        return str(LICENCE_STATE_LABELS[self])


LICENCE_STATE_LABELS = {
    LicenceState.VALID: _l("Giltigt tillstånd"),
    LicenceState.APPLIED: _l("Tillstånd ansökt"),
    LicenceState.APPEALED: _l("Återkallelse överklagad"),
    LicenceState.REVOKED: _l("Tillstånd återkallat"),
    LicenceState.EXPIRED: _l("Tillstånd upphört"),
    LicenceState.UNKNOWN: _l("Tillstånd okänt"),
    LicenceState.NONE: _l("Inget tillstånd"),
}


_COUNTED_STATES = (LicenceState.VALID, LicenceState.APPLIED, LicenceState.APPEALED, LicenceState.REVOKED,
                   LicenceState.EXPIRED)


def current_licence_condition(today: date | None = None):
    """SQL predicate on Licence: valid status and not past its end date."""
    today = today or clock.today()
    return and_(Licence.status == LicenceStatus.VALID, or_(Licence.ends_on.is_(None), Licence.ends_on >= today))


def licence_state_map(provider_ids: ProviderIds, *, today: date | None = None) -> dict[int, LicenceState]:
    """provider id -> LicenceState; every id asked about is in the result. One statement."""
    today = today or clock.today()
    ids = materialise(provider_ids)
    result = result_map(ids, lambda: LicenceState.NONE)

    def count_where(condition) -> object:
        return func.sum(case((condition, 1), else_=0))

    expired = or_(Licence.status == LicenceStatus.EXPIRED,
                  and_(Licence.status == LicenceStatus.VALID, Licence.ends_on < today))
    for condition in in_set(Licence.provider_id, ids):
        stmt = (
            select(Licence.provider_id, count_where(current_licence_condition(today)),
                   count_where(Licence.status == LicenceStatus.APPLIED),
                   count_where(Licence.status == LicenceStatus.REVOCATION_APPEALED),
                   count_where(Licence.status == LicenceStatus.REVOKED), count_where(expired), func.count())
            .where(condition)
            .group_by(Licence.provider_id)
        )
        for provider_id, *counts, total in db.session.execute(stmt):
            # The first state with a licence in it, in the enum's order (best first).
            found = next((state for state, n in zip(_COUNTED_STATES, counts, strict=True) if n), None)
            if found is not None:
                result[provider_id] = found
            elif total:
                result[provider_id] = LicenceState.UNKNOWN
    return result


def required_licences(kinds: list[str], ownership: str) -> list[tuple[LicenceKind, tuple[LicenceForm, ...]]]:
    """The licences a provider's kinds require, with the forms that satisfy each.

    Private and non-profit protected housing needs an IVO permit (since 1 April 2024);
    municipal (public) protected housing needs a notification, and a permit satisfies it too.
    HVB and supported housing need a permit.
    """
    needed: list[tuple[LicenceKind, tuple[LicenceForm, ...]]] = []
    if ProviderKind.PROTECTED_HOUSING in kinds:
        if ownership == Ownership.PUBLIC:
            needed.append((LicenceKind.PROTECTED_HOUSING, (LicenceForm.NOTIFICATION, LicenceForm.PERMIT)))
        else:
            needed.append((LicenceKind.PROTECTED_HOUSING, (LicenceForm.PERMIT,)))
    if ProviderKind.HVB in kinds:
        needed.append((LicenceKind.HVB, (LicenceForm.PERMIT,)))
    if ProviderKind.SUPPORTED_HOUSING in kinds:
        needed.append((LicenceKind.SUPPORTED_HOUSING, (LicenceForm.PERMIT,)))
    return needed
