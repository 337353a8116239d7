"""The declarative base and the column types every model shares.

One naming convention before the first migration keeps constraint names stable across
SQLite and PostgreSQL. Timestamps are timezone-aware UTC on both dialects (SQLite stores
them naive, so they are re-tagged on the way out). Multi-valued code fields (a provider's
kinds, counties, target groups…) are stored as one delimited text column: it is portable,
the audit log sees before/after as plain lists, and "has code X" is an indexable-enough
``LIKE '%|X|%'`` on both dialects, which a registry of a few thousand providers never feels.
"""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
    registry,
)
from sqlalchemy.types import TypeDecorator

from vendor_registry import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The clock's now, looked up at each call: one place to read (and, in tests, to set) the time."""
    return clock.utcnow()


class UTCDateTime(TypeDecorator):
    """A timestamp that is always aware UTC in Python, whatever the dialect stores."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class CodeList(TypeDecorator):
    """A sorted, de-duplicated list of codes stored as ``|a|b|c|`` (empty list: ``||``)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        codes = sorted({str(getattr(v, "value", v)) for v in value})
        for code in codes:
            if "|" in code:
                raise ValueError(f"code contains the separator: {code!r}")
        return "|" + "|".join(codes) + "|" if codes else "||"

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> list[str]:
        if not value:
            return []
        return [code for code in value.split("|") if code]


def has_code(column: Any, code: str) -> sa.ColumnElement[bool]:
    """SQL predicate: the CodeList ``column`` contains ``code`` (compared as plain text, so
    the pattern does not go through CodeList's own bind processing)."""
    return sa.type_coerce(column, sa.Text).like(f"%|{code}|%")


class CodeListValue(MutableList):
    """A code list held in memory as it is stored: sorted and de-duplicated.

    Assigning the same codes in another order (a form sends checked boxes in screen order)
    is then no change at all: no UPDATE, no audit event, no version bump.
    """

    @classmethod
    def coerce(cls, key: str, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            return super().coerce(key, value)
        normalised = sorted({str(getattr(v, "value", v)) for v in value})
        if isinstance(value, cls) and list(value) == normalised:
            return value
        return cls(normalised)


def code_list_column(**kwargs: Any) -> Any:
    return mapped_column(CodeListValue.as_mutable(CodeList()), nullable=False, default=list, **kwargs)


def enum_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Store an enum by its value (the §6 code) in a plain string column."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """The optimistic-lock counter: a stale UPDATE raises instead of overwriting silently."""

    version: Mapped[int] = mapped_column(nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


def deleted_in_flush(session: Any, flush_context: Any) -> list[Any]:
    """Every object an ``after_flush`` hook must treat as deleted: ``session.deleted`` (asked
    for with ``session.delete``) and the rows the flush deleted on its own, the children taken
    out of a delete-orphan collection (a review's follow-up action removed, a profile's
    requirements replaced), which ``session.deleted`` never lists. SQLAlchemy's unit of work
    keeps each state it flushes with (is delete, list only)."""
    deleted = list(session.deleted)
    seen = {id(obj) for obj in deleted}
    for state, (is_delete, list_only) in getattr(flush_context, "states", {}).items():
        obj = state.obj()
        if is_delete and not list_only and obj is not None and id(obj) not in seen:
            deleted.append(obj)
            seen.add(id(obj))
    return deleted
