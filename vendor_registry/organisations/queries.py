"""Reads of organisations: names are shared (a published review says who published it)."""
from __future__ import annotations

from sqlalchemy import select

from vendor_registry.extensions import db
from vendor_registry.organisations.models import Organisation


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.id)))


def find_organisation(name_or_id: str) -> Organisation | None:
    """By id (digits) or exact name, for the command line."""
    if name_or_id.isdigit():
        return db.session.get(Organisation, int(name_or_id))
    return db.session.scalar(select(Organisation).where(Organisation.name == name_or_id))


def names_by_id(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return {row.id: row.name for row in rows}
