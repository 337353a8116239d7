"""Provider reads on the entity itself: by id, by organisation number, and the text search
condition (name, municipality or org number) that the list and the audit log both use.

The list of providers with its filters, and the per-provider facts a list row shows, are
the composed view of a provider: ``standing.listing`` and ``standing.status_maps``.
"""
from __future__ import annotations

import re

from sqlalchemy import func, or_, select

from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider
from vendor_registry.text import printable


def _printable(text: str) -> str:
    """Control characters never belong in a search; PostgreSQL refuses NUL outright."""
    return printable(text)


def _text_condition(q: str):
    """Name or municipality contains the text; an org number matches with or without hyphen."""
    digits = re.sub(r"[\s\u00a0\-]", "", q)
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    conditions = [func.lower(Provider.name).like(pattern, escape="\\"),
                  func.lower(Provider.municipality).like(pattern, escape="\\")]
    if digits.isdigit():
        conditions.append(Provider.org_number.like(f"%{digits}%"))
    return or_(*conditions)


def get_provider_or_404(provider_id: int) -> Provider:
    return db.get_or_404(Provider, provider_id)


def get_provider_by_org_number(org_number: str) -> Provider | None:
    return db.session.scalar(select(Provider).where(Provider.org_number == org_number))
