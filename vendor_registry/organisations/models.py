"""The organisation record and the two column mixins that place a row inside or beside one."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from vendor_registry.database import TimestampMixin
from vendor_registry.extensions import db


class Organisation(TimestampMixin, db.Model):
    """A municipality, a county's joint procurement body or a municipal association."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class OwnedByOrganisation:
    """A row that belongs to one organisation and is seen by it alone (contracts, reviews,
    approval decisions…). The id is set by ``tenancy`` from the acting person before the row is
    first written; no form or API body carries it."""

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), index=True, nullable=False)


class SharedOrOwned:
    """A row that is either shared (``organisation_id`` empty: seen by everybody, e.g. an
    automatic register check or a flag raised from shared facts) or one organisation's own."""

    @declared_attr
    def organisation_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("organisations.id"), index=True, nullable=True)
