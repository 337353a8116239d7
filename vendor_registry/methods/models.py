"""The catalogues of methods and service areas, and the methods a provider offers."""
from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.codes import EvidenceLevel
from vendor_registry.database import TimestampMixin, VersionedMixin, enum_type
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider


class Method(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    evidence_level: Mapped[EvidenceLevel] = mapped_column(
        enum_type(EvidenceLevel), default=EvidenceLevel.NOT_ASSESSED
    )
    evidence_source: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Method {self.name!r}>"


class ProviderMethod(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "provider_methods"
    __table_args__ = (UniqueConstraint("provider_id", "method_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("methods.id"), index=True)
    trained_staff: Mapped[int] = mapped_column(default=0)
    certification_ends_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)

    provider: Mapped[Provider] = relationship()
    method: Mapped[Method] = relationship()


class ServiceArea(TimestampMixin, VersionedMixin, db.Model):
    """Catalogue of service areas; providers refer to them by ``code``."""

    __tablename__ = "service_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
