"""Licence reads shared by the provider page, the edit forms and the API."""
from __future__ import annotations

from sqlalchemy import select

from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence


def licences_for_provider(provider_id: int) -> list[Licence]:
    """All of a provider's licences, newest decision first (one statement)."""
    stmt = (select(Licence).where(Licence.provider_id == provider_id)
            .order_by(Licence.granted_on.desc().nulls_last(), Licence.id.desc()))
    return list(db.session.scalars(stmt))


def get_licence_or_404(provider_id: int, licence_id: int) -> Licence:
    """The licence, only under its own provider's URL (a mismatched pair is a 404)."""
    return db.first_or_404(select(Licence).where(Licence.id == licence_id, Licence.provider_id == provider_id))
