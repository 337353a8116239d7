"""Catalogue reads shared by forms, pages, matching and the API."""
from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import select

from vendor_registry.extensions import db
from vendor_registry.methods.models import Method, ServiceArea


def active_service_areas() -> list[ServiceArea]:
    return list(db.session.scalars(select(ServiceArea).where(ServiceArea.active).order_by(ServiceArea.id)))


def service_area_names() -> dict[str, str]:
    """code -> name in the user's language, for every catalogue entry (active or not)."""
    english = str(get_locale() or "sv") == "en"
    return {a.code: (a.name_en if english else a.name_sv) for a in db.session.scalars(select(ServiceArea))}


def service_area_choices() -> list[tuple[str, str]]:
    """(code, name in the user's language) of the active entries: one statement."""
    english = str(get_locale() or "sv") == "en"
    return [(a.code, a.name_en if english else a.name_sv) for a in active_service_areas()]


def active_methods() -> list[Method]:
    return list(db.session.scalars(select(Method).where(Method.active).order_by(Method.name)))
