"""Contract reads shared by the provider page, the edit forms and the API."""
from __future__ import annotations

from sqlalchemy import select

from vendor_registry.contracts.models import Contract
from vendor_registry.extensions import db


def contracts_for_provider(provider_id: int) -> list[Contract]:
    """A provider's contracts, latest start first (one statement)."""
    stmt = (select(Contract).where(Contract.provider_id == provider_id)
            .order_by(Contract.starts_on.desc(), Contract.id.desc()))
    return list(db.session.scalars(stmt))


def get_contract_or_404(provider_id: int, contract_id: int) -> Contract:
    return db.first_or_404(select(Contract).where(Contract.id == contract_id, Contract.provider_id == provider_id))
