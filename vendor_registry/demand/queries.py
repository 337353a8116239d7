"""Demand reads shared by the pages, the export and the API: profiles, and running a match."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import ProfileStatus, RequirementKind
from vendor_registry.demand.matching import MatchResult, match
from vendor_registry.demand.models import DemandProfile
from vendor_registry.demand.requirements import Req, RequirementError, parse_requirement
from vendor_registry.demand.snapshots import load_snapshots
from vendor_registry.extensions import db
from vendor_registry.methods.models import Method


def list_profiles(include_retired: bool = False) -> list[DemandProfile]:
    stmt = select(DemandProfile).order_by(DemandProfile.status, DemandProfile.name)
    if not include_retired:
        stmt = stmt.where(DemandProfile.status == ProfileStatus.ACTIVE)
    return list(db.session.scalars(stmt))


def get_profile(profile_id: int) -> DemandProfile | None:
    return db.session.get(DemandProfile, profile_id)


def get_profile_or_404(profile_id: int) -> DemandProfile:
    return db.get_or_404(DemandProfile, profile_id)


def method_names() -> dict[int, str]:
    return dict(db.session.execute(select(Method.id, Method.name)).all())


def with_labels(reqs: Iterable[Req], names: dict[int, str] | None = None) -> list[Req]:
    """Give method requirements their catalogue name, so reasons read "Erbjuder inte KSL"."""
    reqs = list(reqs)
    if names is None and any(r.kind == RequirementKind.OFFERS_METHOD for r in reqs):
        names = method_names()
    out = []
    for r in reqs:
        label = ""
        if r.kind == RequirementKind.OFFERS_METHOD and r.value.isdigit():
            label = (names or {}).get(int(r.value), r.value)
        out.append(Req(r.kind, r.value, r.mandatory, r.weight, label))
    return out


def profile_requirements(profile: DemandProfile, names: dict[int, str] | None = None) -> list[Req]:
    return with_labels((Req(str(r.kind), r.value, r.mandatory, r.weight or 0) for r in profile.requirements), names)


def parse_requirement_dicts(rows: Iterable[Mapping[str, Any]]) -> list[Req]:
    """Validate §6 dicts for a one-off match (nothing stored); raises ValidationFailed."""
    from vendor_registry.errors import ValidationFailed

    errors: dict[str, list[Any]] = {}
    reqs = []
    for index, row in enumerate(rows):
        try:
            reqs.append(parse_requirement(row, allow_ad_hoc=True))
        except RequirementError as exc:
            errors.setdefault(f"requirements-{index}-{exc.field}", []).append(exc.message)
    if errors:
        raise ValidationFailed(errors)
    return reqs


def match_requirements(reqs: Iterable[Req], *, include_critical: bool = False, include_unapproved: bool = False,
                       today: date | None = None) -> MatchResult:
    """Load the snapshots (a fixed number of statements) and run the pure engine."""
    today = today or clock.today()
    snapshots = load_snapshots(db.session, today)
    return match(snapshots, with_labels(reqs), include_critical=include_critical,
                 include_unapproved=include_unapproved, today=today)


def run_match(requirements: list[dict] | None = None, profile_id: int | None = None,
              include_critical: bool = False, *, today: date | None = None) -> MatchResult:
    """Read-only match for the API: a saved profile's requirements, plus any given ones.

    Raises ValidationFailed for bad requirement dicts and LookupError for an unknown profile.
    ``meta`` carries the profile name and version a decision document needs.
    """
    reqs: list[Req] = []
    meta: dict[str, Any] = {"profile_id": None, "profile_name": None, "profile_version": None}
    if profile_id is not None:
        profile = get_profile(profile_id)
        if profile is None:
            raise LookupError(profile_id)
        reqs.extend(profile_requirements(profile))
        meta.update(profile_id=profile.id, profile_name=profile.name, profile_version=profile.version)
    if requirements:
        reqs.extend(parse_requirement_dicts(requirements))
    result = match_requirements(reqs, include_critical=include_critical, today=today)
    result.meta.update(meta, today=(today or clock.today()).isoformat())
    return result


def last_requirement_change(profile: DemandProfile) -> AuditEvent | None:
    """Who last replaced this profile's requirements: the stale-edit message needs a name, and
    a requirement-only change writes audit rows for the requirements, not for the profile."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "requirements")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(200))
    for event in events:
        before, after = (event.changes or {}).get("profile_id", [None, None])
        if profile.id in (before, after):
            return event
    return None
