"""IVO permits and notifications held by a provider, with how they were last verified."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.codes import (
    LicenceForm,
    LicenceKind,
    LicenceStatus,
    VerificationMethod,
)
from vendor_registry.database import TimestampMixin, VersionedMixin, enum_type
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider


class Licence(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LicenceKind] = mapped_column(enum_type(LicenceKind))
    form: Mapped[LicenceForm] = mapped_column(enum_type(LicenceForm))
    ivo_reference: Mapped[str | None] = mapped_column(String(60))
    scope: Mapped[str | None] = mapped_column(Text)
    granted_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    status: Mapped[LicenceStatus] = mapped_column(enum_type(LicenceStatus), index=True)
    last_verified_at: Mapped[datetime | None]
    verification_method: Mapped[VerificationMethod | None] = mapped_column(enum_type(VerificationMethod))
    evidence: Mapped[str | None] = mapped_column(String(500))
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_documents.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    provider: Mapped[Provider] = relationship()

    def __repr__(self) -> str:
        return f"<Licence {self.kind} {self.status} provider={self.provider_id}>"
