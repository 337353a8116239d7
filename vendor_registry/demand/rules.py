"""What each requirement kind means: one ``_check_<kind>`` function per kind, each a pure
function of a provider snapshot, the requirement and today's date, returning whether it is
met, the provider's own value and a plain Swedish sentence (the reason when unmet).

Kept apart from ``matching.py`` (which combines outcomes into a ranked result) so that the
semantics of a kind can be read, and tested at its edges, in one place.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from vendor_registry import codes as c
from vendor_registry.demand import licensing
from vendor_registry.demand.requirements import (
    SERVES_COUNTY_AMONG,
    SERVES_COUNTY_OUTSIDE,
    Req,
    describe,
)
from vendor_registry.demand.snapshots import ProviderSnapshot
from vendor_registry.i18n import gettext, remembered
from vendor_registry.labels import enum_label as _enum_label
from vendor_registry.labels import label as _label

K = c.RequirementKind


@dataclass(frozen=True)
class Outcome:
    """One requirement against one provider: met or not, and the provider's own value."""

    requirement: Req
    met: bool
    provider_value: str
    text: str  # a reason when unmet, a confirmation when met

    @property
    def description(self) -> str:
        return describe(self.requirement)


def _(msgid: str, **kwargs: object) -> str:
    return gettext(msgid, **kwargs)


_cached = remembered  # within ``match`` (``remembered_translations``) each text is made once


def label(value: object) -> str:
    return _cached(("l", value), lambda: _label(value))


def enum_label(enum_cls: type, code: str) -> str:
    return _cached(("e", enum_cls, code), lambda: _enum_label(enum_cls, code))


_RANKS = {cls: {m.value: i for i, m in enumerate(cls)} for cls in (c.ThreatLevel, c.EvidenceLevel, c.ReviewOutcome)}


def _rank(enum_cls: type, code: str) -> int:
    """Position in the ranked vocabulary (``codes._Ranked.rank`` without the list scan)."""
    return _RANKS[enum_cls][str(code)]


def _lc(text: str) -> str:
    """Lower-case a label inside a sentence, but keep acronyms such as HVB."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _labels(enum_cls: type, values: frozenset[str]) -> str:
    return _cached(("ls", enum_cls, values), lambda: ", ".join(
        enum_label(enum_cls, v) for v in sorted(values)) or _("inga angivna"))


def _sek(amount: Decimal | int) -> str:
    from vendor_registry.formatting import format_sek

    return _cached(("sek", amount), lambda: format_sek(amount))


Result = tuple[bool, str, str]  # met, provider value, text


def _check_provider_kind(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the value is one of the provider's kinds and, for a kind that needs an IVO
    licence (``licensing.needed``: the form depends on ownership), that licence is in force: a
    protected-housing provider without a permit is not offered as protected housing."""
    name = enum_label(c.ProviderKind, r.value)
    have = _labels(c.ProviderKind, p.kinds)
    if r.value not in p.kinds:
        return False, have, _("Är inte %(kind)s", kind=_lc(name))
    required = licensing.needed(p)
    licensed = licensing.LICENCE_FOR_KIND.get(r.value, ())
    held_forms = set()
    for licence_kind in licensed:
        forms = required.get(licence_kind, (c.LicenceForm.PERMIT,))
        held = [lic.form for lic in p.licences if lic.kind == licence_kind and lic.form in forms
                and licensing.in_force(lic, today)]
        if not held:
            if forms[0] == c.LicenceForm.NOTIFICATION:
                return False, have, _("Är %(kind)s men saknar gällande anmälan till IVO", kind=_lc(name))
            return False, have, _("Är %(kind)s men saknar gällande tillstånd från IVO", kind=_lc(name))
        held_forms.update(held)
    if not licensed:
        return True, have, _("Är %(kind)s", kind=_lc(name))
    if c.LicenceForm.PERMIT not in held_forms:
        return True, have, _("Är %(kind)s med gällande anmälan till IVO", kind=_lc(name))
    return True, have, _("Är %(kind)s med gällande tillstånd från IVO", kind=_lc(name))


def _check_licence_valid(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when a licence of that kind has status ``valid`` and an end date that is not
    passed (ending today is still valid)."""
    name = _lc(enum_label(c.LicenceKind, r.value))
    own = [lic for lic in p.licences if lic.kind == r.value]
    ok = any(lic.status == c.LicenceStatus.VALID and (lic.ends_on is None or lic.ends_on >= today) for lic in own)
    have = ", ".join(f"{enum_label(c.LicenceKind, lic.kind)}: {enum_label(c.LicenceStatus, lic.status)}"
                     for lic in own) or _("inget tillstånd registrerat")
    if ok:
        return True, have, _("Har giltigt tillstånd för %(kind)s", kind=name)
    return False, have, _("Saknar giltigt tillstånd för %(kind)s", kind=name)


def _check_offers_method(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the provider offers the method: by catalogue id when the value is a number,
    otherwise by name or short name, ignoring case and surrounding spaces."""
    wanted = r.value.strip()
    if wanted.isdigit():
        ok = any(m.method_id == int(wanted) for m in p.methods)
    else:
        lowered = wanted.casefold()
        ok = any(m.name.casefold() == lowered or (m.short_name or "").casefold() == lowered for m in p.methods)
    have = ", ".join(m.name for m in p.methods) or _("inga metoder registrerade")
    name = r.display_value
    if ok:
        return True, have, _("Erbjuder %(method)s", method=name)
    return False, have, _("Erbjuder inte %(method)s", method=name)


def _check_method_evidence_at_least(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when at least one offered method has an evidence level at or above the value."""
    floor = _rank(c.EvidenceLevel, r.value)
    best = max((m.evidence_level for m in p.methods), key=lambda e: _rank(c.EvidenceLevel, e), default=None)
    have = enum_label(c.EvidenceLevel, best) if best else _("inga metoder registrerade")
    level = _lc(enum_label(c.EvidenceLevel, r.value))
    if best is not None and _rank(c.EvidenceLevel, best) >= floor:
        return True, have, _("Erbjuder metod med minst %(level)s", level=level)
    return False, have, _("Ingen erbjuden metod med minst %(level)s", level=level)


def _member(values: frozenset[str], enum_cls: type, code: str) -> tuple[bool, str, str]:
    return code in values, _labels(enum_cls, values), _lc(enum_label(enum_cls, code))


def _check_offers_service_area(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the area is among the provider's service areas."""
    ok, have, name = _member(p.service_areas, c.ServiceAreaCode, r.value)
    if ok:
        return True, have, _("Erbjuder insatsområdet %(value)s", value=name)
    return False, have, _("Erbjuder inte insatsområdet %(value)s", value=name)


def _check_accepts_target_group(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the group is among the target groups the provider accepts."""
    ok, have, name = _member(p.target_groups, c.TargetGroup, r.value)
    if ok:
        return True, have, _("Tar emot %(value)s", value=name)
    return False, have, _("Tar inte emot %(value)s", value=name)


def _check_housing_form(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the provider offers that housing form."""
    ok, have, name = _member(p.housing_forms, c.HousingForm, r.value)
    if ok:
        return True, have, _("Erbjuder %(value)s", value=name)
    return False, have, _("Erbjuder inte %(value)s", value=name)


def _check_threat_level_at_least(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the provider's highest threat level ranks at or above the value; a provider
    that has not stated one does not meet it."""
    name = _lc(enum_label(c.ThreatLevel, r.value))
    have = p.max_threat_level
    if have is None:
        return False, _("ej angiven"), _("Högsta hotnivå är inte angiven (krav: minst %(level)s)", level=name)
    have_name = enum_label(c.ThreatLevel, have)
    if _rank(c.ThreatLevel, have) >= _rank(c.ThreatLevel, r.value):
        return True, have_name, _("Klarar hotnivå %(level)s", level=name)
    return False, have_name, _("Klarar högst hotnivå %(have)s (krav: minst %(level)s)",
                               have=_lc(have_name), level=name)


def _county_names(codes: Iterable[str]) -> str:
    codes = frozenset(codes)
    return _cached(("cn", codes), lambda: ", ".join(
        c.COUNTIES.get(code, code) for code in sorted(codes)) or _("inga län angivna"))


def _check_serves_county(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the county is among the counties the provider serves (its seat alone does not count)."""
    name = c.COUNTIES.get(r.value, r.value)
    have = _county_names(p.counties_served)
    if r.value in p.counties_served:
        return True, have, _("Verkar i %(county)s", county=name)
    return False, have, _("Verkar inte i %(county)s", county=name)


def _check_serves_county_among(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Ad hoc: met when the provider serves at least one of the listed counties."""
    wanted = set(r.value.split(","))
    have = _county_names(p.counties_served)
    names = _county_names(wanted)
    if wanted & p.counties_served:
        return True, have, _("Verkar i något av länen %(counties)s", counties=names)
    return False, have, _("Verkar inte i något av länen %(counties)s", counties=names)


def _check_serves_county_outside(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Ad hoc: met when the provider serves at least one county that is not excluded (a
    defector often has to live far from the county they leave)."""
    excluded = set(r.value.split(","))
    have = _county_names(p.counties_served)
    if p.counties_served - excluded:
        return True, have, _("Verkar utanför de uteslutna länen")
    return False, have, _("Verkar bara i uteslutna län (%(counties)s)", counties=_county_names(excluded))


def _check_price_per_day_at_most(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the lowest price per day among the provider's current contracts (started, not
    ended) is at most the value; without such a price it is not met."""
    limit = Decimal(r.value)
    if p.lowest_price is None:
        return False, _("inget"), _("Inget dygnspris i gällande avtal")
    have = _sek(p.lowest_price)
    if p.lowest_price <= limit:
        return True, have, _("Dygnspris %(price)s inom högst %(limit)s", price=have, limit=_sek(limit))
    return False, have, _("Dygnspris %(price)s överstiger högst %(limit)s", price=have, limit=_sek(limit))


def _check_checks_current(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when, for every check type the policy requires for the provider's kinds, the latest
    check is within its interval and neither failed nor an error (``snapshots.checks_current_all``)."""
    if p.checks_current:
        return True, _("ja"), _("Alla obligatoriska kontroller är aktuella")
    return False, _("nej"), _("Alla obligatoriska kontroller är inte aktuella")


def _check_no_open_critical_flag(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the provider has no critical flag that is open or acknowledged."""
    if not p.critical_flags:
        return True, "0", _("Ingen öppen kritisk avvikelse")
    return False, str(p.critical_flags), _("Har %(n)s öppen kritisk avvikelse", n=p.critical_flags)


def _check_reviewed_within_days(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the latest review was performed at most N days before today (N days ago counts)."""
    days = int(r.value)
    if p.latest_review_on is None:
        return False, _("ingen"), _("Ingen uppföljning registrerad")
    have = p.latest_review_on.isoformat()
    age = (today - p.latest_review_on).days
    if age <= days:
        return True, have, _("Uppföljd %(date)s, inom %(days)s dagar", date=have, days=days)
    return False, have, _("Senaste uppföljning %(date)s, mer än %(days)s dagar sedan", date=have, days=days)


def _check_review_outcome_at_least(p: ProviderSnapshot, r: Req, today: date) -> Result:
    """Met when the latest review's outcome ranks at or above the value (serious deficiencies <
    deficiencies < satisfactory); no review, not met."""
    name = _lc(enum_label(c.ReviewOutcome, r.value))
    have = p.latest_review_outcome
    if have is None:
        return False, _("ingen"), _("Ingen uppföljning registrerad")
    have_name = enum_label(c.ReviewOutcome, have)
    if _rank(c.ReviewOutcome, have) >= _rank(c.ReviewOutcome, r.value):
        return True, have_name, _("Senaste uppföljning: %(have)s", have=_lc(have_name))
    return False, have_name, _("Senaste uppföljning: %(have)s (krav: minst %(want)s)",
                               have=_lc(have_name), want=name)


CHECKS: dict[str, Callable[[ProviderSnapshot, Req, date], Result]] = {
    K.PROVIDER_KIND: _check_provider_kind,
    K.LICENCE_VALID: _check_licence_valid,
    K.OFFERS_METHOD: _check_offers_method,
    K.METHOD_EVIDENCE_AT_LEAST: _check_method_evidence_at_least,
    K.OFFERS_SERVICE_AREA: _check_offers_service_area,
    K.ACCEPTS_TARGET_GROUP: _check_accepts_target_group,
    K.HOUSING_FORM: _check_housing_form,
    K.THREAT_LEVEL_AT_LEAST: _check_threat_level_at_least,
    K.SERVES_COUNTY: _check_serves_county,
    K.PRICE_PER_DAY_AT_MOST: _check_price_per_day_at_most,
    K.CHECKS_CURRENT: _check_checks_current,
    K.NO_OPEN_CRITICAL_FLAG: _check_no_open_critical_flag,
    K.REVIEWED_WITHIN_DAYS: _check_reviewed_within_days,
    K.REVIEW_OUTCOME_AT_LEAST: _check_review_outcome_at_least,
    SERVES_COUNTY_AMONG: _check_serves_county_among,
    SERVES_COUNTY_OUTSIDE: _check_serves_county_outside,
}


#: The snapshot fields each kind reads: an outcome depends on nothing else (and on ``today``),
#: so within one match it is computed once per distinct value, not once per provider.
READS: dict[str, tuple[str, ...]] = {
    K.PROVIDER_KIND: ("kinds", "licences", "ownership"),
    K.LICENCE_VALID: ("licences",),
    K.OFFERS_METHOD: ("methods",),
    K.METHOD_EVIDENCE_AT_LEAST: ("methods",),
    K.OFFERS_SERVICE_AREA: ("service_areas",),
    K.ACCEPTS_TARGET_GROUP: ("target_groups",),
    K.HOUSING_FORM: ("housing_forms",),
    K.THREAT_LEVEL_AT_LEAST: ("max_threat_level",),
    K.SERVES_COUNTY: ("counties_served",),
    K.PRICE_PER_DAY_AT_MOST: ("lowest_price",),
    K.CHECKS_CURRENT: ("checks_current",),
    K.NO_OPEN_CRITICAL_FLAG: ("critical_flags",),
    K.REVIEWED_WITHIN_DAYS: ("latest_review_on",),
    K.REVIEW_OUTCOME_AT_LEAST: ("latest_review_outcome",),
    SERVES_COUNTY_AMONG: ("counties_served",),
    SERVES_COUNTY_OUTSIDE: ("counties_served",),
}


def evaluate(provider: ProviderSnapshot, req: Req, today: date) -> Outcome:
    met, have, text = CHECKS[str(req.kind)](provider, req, today)
    # ``Outcome(req, met, have, text)`` without the frozen dataclass's guarded ``__init__``:
    # a 20,000-provider match makes ~50,000 outcomes (issue 15).
    outcome = object.__new__(Outcome)
    object.__setattr__(outcome, "__dict__", {"requirement": req, "met": met, "provider_value": have, "text": text})
    return outcome


def reads(reqs: Iterable[Req]) -> frozenset[str]:
    """The snapshot fields the requirements read (``READS``), for ``snapshots.load_snapshots``."""
    return frozenset(name for req in reqs for name in READS[str(req.kind)])
