"""The organisation record and the two column mixins that place a row inside or beside one."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
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


class _AboutProviders:
    """The index both mixins give a table that also has a provider column."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        if not _has_provider(cls):
            return ()
        return (organisation_provider_index(cls.__tablename__),)


class OwnedByOrganisation(_AboutProviders):
    """A row that belongs to one organisation and is seen by it alone (contracts, reviews,
    approval decisions…). The id is set by ``tenancy`` from the acting person before the row is
    first written; no form or API body carries it."""

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), index=not _has_provider(cls), nullable=False)


class SharedOrOwned(_AboutProviders):
    """A row that is either shared (``organisation_id`` empty: seen by everybody, e.g. an
    automatic register check or a flag raised from shared facts) or one organisation's own."""

    @declared_attr
    def organisation_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("organisations.id"), index=not _has_provider(cls), nullable=True)


def organisation_provider_index(table: str) -> Index:
    """A row about a provider is found by (organisation, provider): one index on both, the
    organisation first so that it also serves "all of this organisation's rows". Alone, the
    organisation column is so unselective (a few organisations) that SQLite, which keeps no
    statistics, preferred it to the provider index and read the whole organisation's rows for
    one provider (the provider page; the contract rules spent 31 s of ``demo-data --providers
    20000`` so). A model with its own ``__table_args__`` lists this index there itself."""
    return Index(f"ix_{table}_organisation_provider", "organisation_id", "provider_id")


def _has_provider(cls: type) -> bool:
    return any("provider_id" in vars(klass) for klass in cls.__mro__)
