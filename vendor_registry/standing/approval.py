"""The approval workflow: which status changes exist, who may make them, and what each needs.

draft → under_review → approved | conditionally_approved | rejected; approved or conditionally
approved → suspended → reinstated (back to approved); any status → inactive; rejected or
inactive → draft (re-opened). A conditionally approved provider can also be fully approved
once its conditions are met. Decisions belong to supervisors (Permission.DECIDE_APPROVAL);
sending a draft for review and re-opening are registration work (Permission.EDIT_PROVIDERS
too). Approving a provider with an unresolved critical flag needs a written override
justification, kept on the ApprovalEvent (and so in the audit log): DOMAIN.md §5.
The person deciding is the acting person of the audit context (``acting_user``), the same one
the ApprovalEvent and the audit log record.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vendor_registry import clock
from vendor_registry.audit.context import acting_user
from vendor_registry.auth.permissions import Permission, has_permission
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagSeverity
from vendor_registry.codes import ProviderStatus as S
from vendor_registry.concurrency import check_version
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.flags.models import Flag
from vendor_registry.providers.models import ApprovalEvent, Provider
from vendor_registry.providers.services import _record_transition

APPROVED_STATES = frozenset({S.APPROVED, S.CONDITIONALLY_APPROVED})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[S]
    target: S
    label: Any  # the button text (lazy Swedish)
    permissions: frozenset[Permission] = frozenset({Permission.DECIDE_APPROVAL})
    reason_required: bool = False
    conditions_required: bool = False
    approves: bool = False  # subject to the critical-flag override rule


_ALL_BUT_INACTIVE = frozenset(set(S) - {S.INACTIVE})
_REGISTRATION = frozenset({Permission.DECIDE_APPROVAL, Permission.EDIT_PROVIDERS})

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("submit", frozenset({S.DRAFT}), S.UNDER_REVIEW, _l("Skicka till granskning"),
               permissions=_REGISTRATION),
    Transition("approve", frozenset({S.UNDER_REVIEW, S.CONDITIONALLY_APPROVED}), S.APPROVED, _l("Godkänn"),
               approves=True),
    Transition("approve_conditionally", frozenset({S.UNDER_REVIEW}), S.CONDITIONALLY_APPROVED,
               _l("Godkänn med villkor"), conditions_required=True, approves=True),
    Transition("reject", frozenset({S.UNDER_REVIEW}), S.REJECTED, _l("Avslå"), reason_required=True),
    Transition("suspend", APPROVED_STATES, S.SUSPENDED, _l("Stäng av"), reason_required=True),
    Transition("reinstate", frozenset({S.SUSPENDED}), S.APPROVED, _l("Återinför"), reason_required=True,
               approves=True),
    Transition("deactivate", _ALL_BUT_INACTIVE, S.INACTIVE, _l("Gör inaktiv"), reason_required=True),
    Transition("reopen", frozenset({S.REJECTED, S.INACTIVE}), S.DRAFT, _l("Återöppna som utkast"),
               permissions=_REGISTRATION),
)}


class TransitionRefused(ValidationFailed):
    """A transition that the rules do not allow; ``errors`` carries the Swedish reason."""


def allowed_transitions(provider: Provider, user: Any) -> list[Transition]:
    """The transitions ``user`` may make from the provider's current status (for the UI)."""
    return [t for t in TRANSITIONS.values()
            if provider.status in t.sources and any(has_permission(user, p) for p in t.permissions)]


def open_critical_flags(provider: Provider) -> list[Flag]:
    return list(db.session.scalars(
        select(Flag).where(Flag.provider_id == provider.id, Flag.severity == FlagSeverity.CRITICAL,
                           Flag.view_status.in_(LIVE_FLAG_STATUSES)).order_by(Flag.raised_at)
    ))


def _text(value: Any) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    return text or None


def transition(
    provider: Provider,
    name: str,
    *,
    reason: str | None = None,
    override_justification: str | None = None,
    conditions: str | None = None,
    conditions_until: date | None = None,
    seen_version: int | str | None = None,
    today: date | None = None,
) -> ApprovalEvent:
    """Move ``provider`` along transition ``name`` for the acting person; flush, never commit.

    With no person acting it raises NoActingPerson (a PermissionError). Refusals raise TransitionRefused (a ValidationFailed) with a Swedish message per field;
    a ``seen_version`` that is stale raises StaleRecordError, so a decision is never taken
    on a page that no longer shows the provider as it is.
    """
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionRefused({"": [_l("Okänd statusändring.")]})
    user = acting_user()
    if not any(has_permission(user, p) for p in spec.permissions):
        raise TransitionRefused({"": [_l("Du har inte behörighet att göra den här statusändringen.")]})
    if seen_version is not None:
        check_version(provider, seen_version)
    if provider.status not in spec.sources:
        raise TransitionRefused({"": [_l(
            "Statusen kan inte ändras från %(current)s till %(target)s.",
            current=_status_label(provider.status), target=_status_label(spec.target),
        )]})
    reason, override_justification, conditions = _text(reason), _text(override_justification), _text(conditions)
    errors: dict[str, list[Any]] = {}
    if spec.reason_required and not reason:
        errors["reason"] = [_l("Ange ett skäl till statusändringen.")]
    if spec.conditions_required:
        if not conditions:
            errors["conditions"] = [_l("Ange villkoren för godkännandet.")]
        if conditions_until is None:
            errors["conditions_until"] = [_l("Ange till vilket datum villkoren ska vara uppfyllda.")]
        elif conditions_until < (today or clock.today()):
            errors["conditions_until"] = [_l("Datumet för villkoren kan inte ligga i det förflutna.")]
    if spec.approves and not override_justification and open_critical_flags(provider):
        errors["override_justification"] = [_l(
            "Utföraren har en öppen kritisk avvikelse. Skriv en motivering till varför den ändå godkänns."
        )]
    if errors:
        raise TransitionRefused(errors)

    previous = provider.status
    now = utcnow()
    provider.status = spec.target
    provider.status_changed_at = now
    if spec.target in APPROVED_STATES and previous not in APPROVED_STATES:
        provider.approved_at = now
    if spec.target == S.CONDITIONALLY_APPROVED:
        provider.conditions, provider.conditions_until = conditions, conditions_until
    elif spec.target == S.APPROVED:
        provider.conditions, provider.conditions_until = None, None
    event = _record_transition(
        provider, previous, spec.target, reason=reason,
        override_justification=override_justification if spec.approves else None,
        conditions=conditions if spec.conditions_required else None,
        conditions_until=conditions_until if spec.conditions_required else None,
    )
    db.session.flush()
    return event


def _status_label(status: S) -> str:
    from vendor_registry.labels import label

    return label(status)
