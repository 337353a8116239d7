"""The provider (utförare) and the history of its approval status."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.codes import Ownership, ProviderStatus, ThreatLevel
from vendor_registry.database import (
    TimestampMixin,
    VersionedMixin,
    code_list_column,
    enum_type,
    utcnow,
)
from vendor_registry.extensions import db


def format_org_number(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else digits


class Provider(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "providers"
    __table_args__ = (Index("ix_providers_status_name", "status", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_number: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kinds: Mapped[list[str]] = code_list_column()
    ownership: Mapped[Ownership] = mapped_column(enum_type(Ownership))
    municipality: Mapped[str | None] = mapped_column(String(100))
    county: Mapped[str] = mapped_column(String(2))
    counties_served: Mapped[list[str]] = code_list_column()
    capacity: Mapped[int | None]
    target_groups: Mapped[list[str]] = code_list_column()
    housing_forms: Mapped[list[str]] = code_list_column()
    max_threat_level: Mapped[ThreatLevel | None] = mapped_column(enum_type(ThreatLevel))
    languages: Mapped[list[str]] = code_list_column()
    service_areas: Mapped[list[str]] = code_list_column()
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)

    status: Mapped[ProviderStatus] = mapped_column(
        enum_type(ProviderStatus), default=ProviderStatus.DRAFT, index=True
    )
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the provider was (last) approved: the start of the "review within 90 days" clock.
    approved_at: Mapped[datetime | None]
    conditions: Mapped[str | None] = mapped_column(Text)
    conditions_until: Mapped[date | None]

    approval_events: Mapped[list[ApprovalEvent]] = relationship(
        back_populates="provider", order_by="ApprovalEvent.created_at.desc()", cascade="all, delete-orphan"
    )

    @property
    def org_number_display(self) -> str:
        return format_org_number(self.org_number)

    def __repr__(self) -> str:
        return f"<Provider {self.org_number} {self.name!r}>"


class ApprovalEvent(db.Model):
    """One transition of a provider's approval status: who, when, why (append-only)."""

    __tablename__ = "approval_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[ProviderStatus | None] = mapped_column(enum_type(ProviderStatus))
    to_status: Mapped[ProviderStatus] = mapped_column(enum_type(ProviderStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str | None] = mapped_column(Text)
    override_justification: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    conditions_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="approval_events")


# The list's other sorts (standing.listing.SORTS) read a page from an index instead of sorting
# every provider: "updated" (updated_at desc, id desc) and "county" (county, name, id) (issue 15).
Index("ix_providers_updated_at_id", Provider.updated_at, Provider.id)
Index("ix_providers_county_name_id", Provider.county, Provider.name, Provider.id)
