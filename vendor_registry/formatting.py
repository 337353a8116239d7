"""Template filters: dates as YYYY-MM-DD, times in Europe/Stockholm, SEK with Swedish digits."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale

from vendor_registry import clock, codes
from vendor_registry.auth.permissions import Permission, has_permission
from vendor_registry.labels import enum_label, label
from vendor_registry.providers.models import format_org_number

STOCKHOLM = clock.STOCKHOLM


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(STOCKHOLM).date()
    return value.isoformat()


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def format_sek(value: Decimal | float | None) -> str:
    """``3 000 kr`` in Swedish (non-breaking space), ``3,000 kr`` in English."""
    if value is None:
        return ""
    locale = str(get_locale() or "sv")
    amount = format_decimal(value, format="#,##0.##", locale="sv_SE" if locale == "sv" else "en_GB")
    return f"{amount}\u00a0kr"


def format_filesize(size: int | None) -> str:
    """``12,3 kB`` in Swedish, ``12.3 kB`` in English (decimal units, as file managers show)."""
    if size is None:
        return ""
    locale = "sv_SE" if str(get_locale() or "sv") == "sv" else "en_GB"
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= factor:
            return f"{format_decimal(size / factor, format='#,##0.#', locale=locale)}\u00a0{unit}"
    return f"{size}\u00a0B"


def init_formatting(app: Flask) -> None:
    from flask_login import current_user

    app.jinja_env.filters.update(
        date=format_date,
        datetime=format_datetime,
        sek=format_sek,
        filesize=format_filesize,
        label=label,
        orgnr=format_org_number,
    )
    app.jinja_env.globals.update(
        enum_label=enum_label,
        Permission=Permission,
        codes=codes,
        can=lambda permission: has_permission(current_user, permission),
        get_locale=get_locale,
    )
