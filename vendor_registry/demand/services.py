"""Demand profile writes: create, edit (optimistic locking), copy, retire.

``DemandProfile.version`` is the profile version a match result names, so every change of
the requirement set must raise it: a change that only replaces requirement rows would not
touch the profile row, so the service touches ``updated_at`` in the same flush, which makes
SQLAlchemy's version counter move. An edit that changes nothing keeps the version.
Requirement rows are replaced, not patched, so the audit log holds each old and new row whole.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vendor_registry.codes import ProfileStatus, RequirementKind
from vendor_registry.concurrency import check_version
from vendor_registry.database import utcnow
from vendor_registry.demand.models import DemandProfile, Requirement
from vendor_registry.demand.queries import run_match, validate_requirements
from vendor_registry.demand.requirements import Req
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db

__all__ = ["ValidationFailed", "copy_profile", "create_profile", "retire_profile", "run_match",
           "update_profile", "validate_requirements"]


def _check_name(name: str | None, current: DemandProfile | None) -> str:
    clean = (name or "").strip()
    if not clean:
        raise ValidationFailed({"name": [_l("Ange profilens namn.")]})
    if len(clean) > 200:
        raise ValidationFailed({"name": [_l("Namnet får vara högst 200 tecken.")]})
    clash = db.session.scalar(select(DemandProfile).where(func.lower(DemandProfile.name) == clean.lower()))
    if clash is not None and clash is not current:
        raise ValidationFailed({"name": [_l("Det finns redan en kravprofil med namnet %(name)s.", name=clash.name)]})
    return clean


def _rows(reqs: list[Req]) -> list[Requirement]:
    return [Requirement(position=i, kind=RequirementKind(r.kind), value=r.value, mandatory=r.mandatory,
                        weight=None if r.mandatory else r.weight) for i, r in enumerate(reqs)]


def create_profile(name: str, description: str | None, requirements: list[dict]) -> DemandProfile:
    """A new active profile from §6-shaped requirement dicts (used by the form, demo data and API)."""
    clean_name = _check_name(name, None)
    reqs = validate_requirements(requirements)
    profile = DemandProfile(name=clean_name, description=(description or "").strip() or None,
                            status=ProfileStatus.ACTIVE)
    profile.requirements = _rows(reqs)
    db.session.add(profile)
    db.session.flush()
    return profile


def update_profile(profile: DemandProfile, name: str, description: str | None, requirements: list[dict],
                   seen_version: int | str | None) -> DemandProfile:
    """Apply an edit made on ``seen_version``; a stale edit raises StaleRecordError, and a new
    requirement set raises the profile version."""
    check_version(profile, seen_version)
    clean_name = _check_name(name, profile)
    reqs = validate_requirements(requirements)
    profile.name = clean_name
    profile.description = (description or "").strip() or None
    if [r.as_dict() for r in profile.requirements] != [r.as_dict() for r in reqs]:
        profile.requirements.clear()
        db.session.flush()  # delete the old rows before the new positions are inserted
        profile.requirements.extend(_rows(reqs))
        profile.updated_at = utcnow()
    db.session.flush()
    return profile


def copy_profile(profile: DemandProfile) -> DemandProfile:
    """A new active profile with the same requirements, remembering where it came from."""
    base = str(_l("Kopia av %(name)s", name=profile.name))[:190]
    name, n = base, 1
    while db.session.scalar(select(DemandProfile.id).where(DemandProfile.name == name)) is not None:
        n += 1
        name = f"{base} ({n})"
    copy = DemandProfile(name=name, description=profile.description, status=ProfileStatus.ACTIVE,
                         copied_from_id=profile.id)
    copy.requirements = _rows([Req(str(r.kind), r.value, r.mandatory, r.weight or 0)
                               for r in profile.requirements])
    db.session.add(copy)
    db.session.flush()
    return copy


def retire_profile(profile: DemandProfile, seen_version: int | str | None, *, retire: bool = True) -> DemandProfile:
    """Retired profiles stay readable (old decisions refer to them) but leave the pick lists."""
    check_version(profile, seen_version)
    profile.status = ProfileStatus.RETIRED if retire else ProfileStatus.ACTIVE
    db.session.flush()
    return profile
