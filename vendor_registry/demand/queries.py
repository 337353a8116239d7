"""Demand reads shared by the pages, the export and the API: profiles, and running a match."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vendor_registry import clock
from vendor_registry.audit.models import AuditEvent
from vendor_registry.bulkwrite import paused_gc
from vendor_registry.codes import ProfileStatus, RequirementKind
from vendor_registry.demand import rules, snapshot_store
from vendor_registry.demand.matching import MatchResult, match
from vendor_registry.demand.models import DemandProfile
from vendor_registry.demand.requirements import Req, RequirementError, parse_requirement
from vendor_registry.demand.snapshots import load_snapshots
from vendor_registry.errors import ValidationFailed
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


def methods_for_picker(chosen: Iterable[str | None] = ()) -> list[Method]:
    """The catalogue's active methods, plus any retired one a profile row still names, so an
    old profile opens with its method selected (one statement either way)."""
    ids = [int(v) for v in chosen if v and str(v).isdigit()]
    wanted = Method.active.is_(True) | Method.id.in_(ids) if ids else Method.active.is_(True)
    return list(db.session.scalars(select(Method).where(wanted).order_by(Method.name)))


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


def _resolve_method(value: str, methods: list[Method]) -> str | None:
    """A method requirement is stored as the catalogue id, so a renamed method still matches."""
    if value.isdigit():
        return value if any(m.id == int(value) for m in methods) else None
    lowered = value.casefold()
    for method in methods:
        if method.name.casefold() == lowered or (method.short_name or "").casefold() == lowered:
            return str(method.id)
    return None


def validate_requirements(rows: Iterable[Mapping[str, Any]], *, ad_hoc: bool = False) -> list[Req]:
    """The one requirement validator, for a saved profile and a one-off match alike: parse
    every row; raises ValidationFailed keyed ``requirements-<i>-<part>`` like the form's
    subfields (the API shows the same keys as ``requirements.<i>.<part>``).

    A profile (``ad_hoc=False``) stores methods by catalogue id and refuses a requirement
    twice; a one-off match (``ad_hoc=True``) also takes the needs that have no saved kind
    (``AD_HOC_KINDS``) and stores nothing.
    """
    errors: dict[str, list[Any]] = {}
    reqs: list[Req] = []
    methods: list[Method] | None = None
    for index, row in enumerate(rows):
        try:
            req = parse_requirement(row, allow_ad_hoc=ad_hoc)
            if req.kind == RequirementKind.OFFERS_METHOD and not ad_hoc:
                if methods is None:
                    methods = list(db.session.scalars(select(Method)))
                method_id = _resolve_method(req.value, methods)
                if method_id is None:
                    raise RequirementError("value", str(_l("Metoden ”%(name)s” finns inte i metodkatalogen.",
                                                          name=req.value)))
                req = Req(req.kind, method_id, req.mandatory, req.weight)
        except RequirementError as exc:
            errors.setdefault(f"requirements-{index}-{exc.field}", []).append(exc.message)
            continue
        reqs.append(req)
    if not ad_hoc:
        seen: set[tuple[str, str]] = set()
        for index, req in enumerate(reqs):
            if (req.kind, req.value) in seen:
                errors.setdefault(f"requirements-{index}-value", []).append(_l("Samma krav finns redan i profilen."))
            seen.add((req.kind, req.value))
    if errors:
        raise ValidationFailed(errors)
    return reqs


def match_requirements(reqs: Iterable[Req], *, include_critical: bool = False, include_unapproved: bool = False,
                       today: date | None = None, provider_ids: Iterable[int] | None = None,
                       labelled: bool = False) -> MatchResult:
    """The one way into the engine, for the matching page and the API: load the snapshots (a
    fixed number of statements; only ``provider_ids`` when given) and run the pure engine.
    ``labelled`` says the requirements already carry their method names."""
    today = today or clock.today()
    reqs = list(reqs) if labelled else with_labels(reqs)
    # Every provider: only the facts the requirements read (``rules.reads``); a few chosen ones
    # (explanation, comparison): every fact, which those pages show.
    reads = rules.reads(reqs) if provider_ids is None else None
    with paused_gc():
        snapshots = (snapshot_store.every_provider(db.session, today, reads) if provider_ids is None
                     else load_snapshots(db.session, today, provider_ids, reads))
        return match(snapshots, reqs, include_critical=include_critical,
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
        reqs.extend(validate_requirements(requirements, ad_hoc=True))
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
