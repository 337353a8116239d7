"""Agreements under which a municipality buys from a provider."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.codes import ContractKind
from vendor_registry.database import TimestampMixin, VersionedMixin, enum_type
from vendor_registry.extensions import db
from vendor_registry.organisations.models import OwnedByOrganisation
from vendor_registry.providers.models import Provider


class Contract(OwnedByOrganisation, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContractKind] = mapped_column(enum_type(ContractKind))
    reference: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    price_per_day: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    scope: Mapped[str | None] = mapped_column(Text)

    provider: Mapped[Provider] = relationship()
