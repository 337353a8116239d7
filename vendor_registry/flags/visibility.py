"""What of a flag a viewer may read.

A flag about a background check names the check's type and its result ("Kontrollen F-skatt
och skatteskulder är underkänd"); a social worker may know only whether a provider's checks are
current (DOMAIN.md §5). The exports and the API keep to that by giving such a viewer counts and
"checks current" only; the pages that list flags one by one (the provider page and its print
view, the notices) show every flag through here, with the same rule
(``permissions.sees_check_details``): a check flag keeps its severity, status and dates, and
loses its rule, message and the handler's note, which name the type and the result.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vendor_registry.auth.permissions import sees_check_details
from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag, Notification
from vendor_registry.labels import label

#: The rules whose flags describe a background check.
CHECK_RULES = frozenset({FlagRule.CHECK_OVERDUE, FlagRule.CHECK_FAILED, FlagRule.CHECK_ERROR})

CHECK_FLAG_LABEL = _l("Avvikelse i bakgrundskontrollerna")
CHECK_FLAG_MESSAGE = _l("Detaljerna visas bara för roller som får se bakgrundskontroller.")


@dataclass(frozen=True)
class ShownFlag:
    """A flag as one viewer may read it (what the flag templates render)."""

    id: int
    provider: Any
    severity: FlagSeverity
    status: FlagStatus
    raised_at: datetime
    resolved_at: datetime | None
    rule_label: str
    message: str
    resolution_note: str | None
    withheld: bool  # True: the check's details are left out for this viewer


@dataclass(frozen=True)
class ShownNotification:
    id: int
    flag_id: int | None
    message: str
    created_at: datetime
    read_at: datetime | None


def is_check_flag(rule: Any) -> bool:
    return rule in CHECK_RULES


def shown_flags(flags: Iterable[Flag], user: Any) -> list[ShownFlag]:
    details = sees_check_details(user)
    rows = []
    for flag in flags:
        withheld = not details and is_check_flag(flag.rule)
        view = flag.view  # the viewer's organisation's handling of a shared flag (issue 14)
        rows.append(ShownFlag(
            # the provider only where the caller loaded it (the notices); never a lazy load per flag
            id=flag.id, provider=flag.provider if "provider" in flag.__dict__ else None,
            severity=flag.severity, status=view.status, raised_at=flag.raised_at, resolved_at=view.resolved_at,
            rule_label=str(CHECK_FLAG_LABEL) if withheld else label(flag.rule),
            message=str(CHECK_FLAG_MESSAGE) if withheld else flag.message,
            resolution_note=None if withheld else view.resolution_note,
            withheld=withheld,
        ))
    return rows


def shown_notifications(items: Iterable[Notification], user: Any) -> list[ShownNotification]:
    """A digest notice repeats its flag's rule and message; for a viewer without check details
    (someone whose role changed after the notice was written) a notice about a check flag says
    only which provider has a background-check flag. One statement for the flags' rules."""
    items = list(items)
    withheld: dict[int, str] = {}
    if not sees_check_details(user):
        ids = {n.flag_id for n in items if n.flag_id is not None}
        if ids:
            from vendor_registry.providers.models import Provider

            rows = db.session.execute(
                select(Flag.id, Provider.name).join(Provider, Provider.id == Flag.provider_id)
                .where(Flag.id.in_(ids), Flag.rule.in_(list(CHECK_RULES)))).all()
            withheld = {flag_id: name for flag_id, name in rows}
    return [ShownNotification(
        id=n.id, flag_id=n.flag_id, created_at=n.created_at, read_at=n.read_at,
        message=(f"{withheld[n.flag_id]}: {CHECK_FLAG_LABEL}." if n.flag_id in withheld else n.message),
    ) for n in items]
