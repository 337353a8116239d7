"""Demand profiles (kravprofiler): named, versioned sets of requirements."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.codes import ProfileStatus, RequirementKind
from vendor_registry.database import TimestampMixin, VersionedMixin, enum_type
from vendor_registry.extensions import db
from vendor_registry.organisations.models import OwnedByOrganisation


class DemandProfile(OwnedByOrganisation, TimestampMixin, VersionedMixin, db.Model):
    """``version`` doubles as the profile version a match records; services bump it
    whenever a requirement changes, so the number identifies the requirement set."""

    __tablename__ = "demand_profiles"
    # Names are unique within an organisation: Malmö and Lund may both have "Skyddat boende".
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProfileStatus] = mapped_column(enum_type(ProfileStatus), default=ProfileStatus.ACTIVE)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("demand_profiles.id", ondelete="SET NULL"))

    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="Requirement.position"
    )


class Requirement(OwnedByOrganisation, db.Model):
    """``{"kind", "value", "mandatory": true}`` or ``{"kind", "value", "weight": 1..10}``."""

    __tablename__ = "requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("demand_profiles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[RequirementKind] = mapped_column(enum_type(RequirementKind))
    value: Mapped[str] = mapped_column(String(200))
    mandatory: Mapped[bool] = mapped_column(default=False)
    weight: Mapped[int | None]

    profile: Mapped[DemandProfile] = relationship(back_populates="requirements")

    def as_dict(self) -> dict[str, object]:
        if self.mandatory:
            return {"kind": self.kind.value, "value": self.value, "mandatory": True}
        return {"kind": self.kind.value, "value": self.value, "weight": self.weight or 1}
