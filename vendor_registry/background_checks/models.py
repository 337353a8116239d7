"""What we store about background checks: the policy, each result, and evidence documents.

``checks/`` talks to the outside world and returns a result; this module records it.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vendor_registry.codes import CheckOutcome, CheckType, ProviderKind
from vendor_registry.database import TimestampMixin, VersionedMixin, enum_type, utcnow
from vendor_registry.extensions import db
from vendor_registry.organisations.models import (
    Organisation,
    SharedOrOwned,
    organisation_provider_index,
)
from vendor_registry.providers.models import Provider


class CheckPolicy(TimestampMixin, VersionedMixin, db.Model):
    """Which check types a provider kind needs, and how often: data an admin edits."""

    __tablename__ = "check_policies"
    __table_args__ = (UniqueConstraint("provider_kind", "check_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_kind: Mapped[ProviderKind] = mapped_column(enum_type(ProviderKind))
    check_type: Mapped[CheckType] = mapped_column(enum_type(CheckType))
    interval_days: Mapped[int]
    required: Mapped[bool] = mapped_column(default=True)


class EvidenceDocument(SharedOrOwned, db.Model):
    """A stored file (certificate, declaration, raw source response) kept as evidence."""

    __tablename__ = "evidence_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id", ondelete="SET NULL"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BackgroundCheck(SharedOrOwned, VersionedMixin, db.Model):
    __tablename__ = "background_checks"
    __table_args__ = (
        organisation_provider_index("background_checks"),
        # "A provider's latest answer of a type", which every check rule and page asks: with the
        # provider alone indexed, PostgreSQL on statistics older than a bulk load joined the
        # policy's needs to the checks through the type index (18,000 rows a probe; 83 s for
        # check_overdue on the 20,000 demo). It also serves the provider's foreign key.
        Index("ix_background_checks_provider_type_performed", "provider_id", "check_type", "performed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    check_type: Mapped[CheckType] = mapped_column(enum_type(CheckType), index=True)
    performed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    performed_by_label: Mapped[str] = mapped_column(String(254))
    automatic: Mapped[bool] = mapped_column(default=False)
    result: Mapped[CheckOutcome] = mapped_column(enum_type(CheckOutcome))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence: Mapped[str | None] = mapped_column(String(500))
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_documents.id"))
    source_url: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(64))
    response_sha256: Mapped[str | None] = mapped_column(String(64))
    next_due_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A manual check its organisation marked shareable: shared (``organisation_id`` empty) and
    # shown to the others as "delad av <organisation>". Empty for own and automatic checks.
    shared_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))

    provider: Mapped[Provider] = relationship()
    evidence_document: Mapped[EvidenceDocument | None] = relationship()
    # Joined (a tiny table): the history shows "delad av …" without a statement per check.
    shared_by: Mapped[Organisation | None] = relationship(foreign_keys=[shared_by_organisation_id], lazy="joined")

    @property
    def shared(self) -> bool:
        """Seen by every organisation: an automatic register answer, or a manual check marked shareable."""
        return self.organisation_id is None
