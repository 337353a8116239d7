"""Requirement values: one parser per kind, so a profile form, the ad hoc page, the demo
generator and the API all accept and store the same normalised value.

A value is stored as the §6 code (or a plain number for amounts and days, a method id for
methods). Users may type either the code or its Swedish name; both normalise to the code, so
"Skåne län", "12" and " 12 " are the same requirement. Messages are Swedish and say what is
allowed, because the person typing has no other documentation at hand.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vendor_registry import codes as c
from vendor_registry.labels import label

K = c.RequirementKind

#: Kinds that only the ad hoc matching page builds (never stored in a profile): a case's
#: wanted counties are alternatives ("any of"), and excluded counties are a safety rule.
SERVES_COUNTY_AMONG = "serves_county_among"
SERVES_COUNTY_OUTSIDE = "serves_county_outside"
AD_HOC_KINDS = (SERVES_COUNTY_AMONG, SERVES_COUNTY_OUTSIDE)

#: Coded kinds and the vocabulary their value comes from.
CODED: dict[str, type[Enum]] = {
    K.PROVIDER_KIND: c.ProviderKind,
    K.LICENCE_VALID: c.LicenceKind,
    K.METHOD_EVIDENCE_AT_LEAST: c.EvidenceLevel,
    K.OFFERS_SERVICE_AREA: c.ServiceAreaCode,
    K.ACCEPTS_TARGET_GROUP: c.TargetGroup,
    K.HOUSING_FORM: c.HousingForm,
    K.THREAT_LEVEL_AT_LEAST: c.ThreatLevel,
    K.REVIEW_OUTCOME_AT_LEAST: c.ReviewOutcome,
}
TRUE_ONLY = (K.CHECKS_CURRENT, K.NO_OPEN_CRITICAL_FLAG)
TRUE_WORDS = {"true", "1", "ja", "yes", "sant", ""}

MAX_PRICE = 1_000_000
MAX_DAYS = 3650

HINTS: dict[str, Any] = {
    K.PROVIDER_KIND: _l("En verksamhetstyp, t.ex. Skyddat boende."),
    K.LICENCE_VALID: _l("En tillståndstyp, t.ex. HVB eller Skyddat boende."),
    K.OFFERS_METHOD: _l("Metodens namn eller id i metodkatalogen."),
    K.METHOD_EVIDENCE_AT_LEAST: _l("En evidensnivå, t.ex. Måttligt stöd."),
    K.OFFERS_SERVICE_AREA: _l("Ett insatsområde, t.ex. Trauma."),
    K.ACCEPTS_TARGET_GROUP: _l("En målgrupp, t.ex. Vuxna."),
    K.HOUSING_FORM: _l("Egen lägenhet eller Kollektivt boende."),
    K.THREAT_LEVEL_AT_LEAST: _l("Låg, Medel eller Hög."),
    K.SERVES_COUNTY: _l("Ett län, t.ex. Skåne län eller 12."),
    K.PRICE_PER_DAY_AT_MOST: _l("Högsta dygnspris i kronor, t.ex. 3000."),
    K.CHECKS_CURRENT: _l("Inget värde behövs."),
    K.NO_OPEN_CRITICAL_FLAG: _l("Inget värde behövs."),
    K.REVIEW_OUTCOME_AT_LEAST: _l("Tillfredsställande, Brister eller Allvarliga brister."),
    K.REVIEWED_WITHIN_DAYS: _l("Antal dagar, t.ex. 365."),
}


class RequirementError(ValueError):
    """A requirement the user wrote that cannot be used; ``field`` says which part is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Req:
    """One requirement ready for matching: a normalised value, mandatory or a weight.

    ``value_label`` is the readable value (a method's name for a method id), resolved before
    matching so that the engine itself never needs the database.
    """

    kind: str
    value: str
    mandatory: bool = False
    weight: int = 0
    value_label: str = ""

    def as_dict(self) -> dict[str, Any]:
        if self.mandatory:
            return {"kind": str(self.kind), "value": self.value, "mandatory": True}
        return {"kind": str(self.kind), "value": self.value, "weight": self.weight}

    @property
    def display_value(self) -> str:
        return self.value_label or value_label(self.kind, self.value)


def _strip_county(text: str) -> str:
    return re.sub(r"\s+län$", "", text.strip().lower())


def _parse_code(enum_cls: type[Enum], raw: str, field: str) -> str:
    text = raw.strip()
    lowered = text.lower()
    for member in enum_cls:
        if lowered in (str(member.value), label(member).lower()):
            return str(member.value)
    allowed = ", ".join(label(m) for m in enum_cls)
    raise RequirementError(field, _("Okänt värde ”%(value)s”. Tillåtna värden: %(allowed)s.",
                                    value=text, allowed=allowed))


def _parse_county(raw: str) -> str:
    text = raw.strip()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    if text in c.COUNTIES:
        return text
    wanted = _strip_county(text)
    for code, name in c.COUNTIES.items():
        if wanted == _strip_county(name):
            return code
    raise RequirementError("value", _("Okänt län ”%(value)s”. Ange länskod (t.ex. 12) eller länets namn.",
                                      value=text))


def _parse_int(raw: str, low: int, high: int, message: str) -> str:
    text = re.sub(r"[\s\u00a0]|kr$|kronor$", "", raw.strip().lower())
    text = re.sub(r"[,.]0+$", "", text)
    if not text.isdigit() or not low <= int(text) <= high:
        raise RequirementError("value", message)
    return str(int(text))


def parse_value(kind: str, raw: Any) -> str:
    """The stored form of ``raw`` for ``kind``; raises RequirementError with a Swedish message."""
    text = "" if raw is None else str(raw)
    if kind in CODED:
        if not text.strip():
            raise RequirementError("value", _("Ange ett värde för kravet."))
        return _parse_code(CODED[kind], text, "value")
    if kind == K.SERVES_COUNTY:
        if not text.strip():
            raise RequirementError("value", _("Ange ett värde för kravet."))
        return _parse_county(text)
    if kind == K.OFFERS_METHOD:
        text = text.strip()
        if not text or len(text) > 200:
            raise RequirementError("value", _("Ange metodens namn eller id."))
        return text
    if kind == K.PRICE_PER_DAY_AT_MOST:
        return _parse_int(text, 1, MAX_PRICE, _("Ange ett dygnspris i hela kronor mellan 1 och 1 000 000."))
    if kind == K.REVIEWED_WITHIN_DAYS:
        return _parse_int(text, 1, MAX_DAYS, _("Ange ett antal dagar mellan 1 och 3 650."))
    if kind in TRUE_ONLY:
        if text.strip().lower() not in TRUE_WORDS:
            raise RequirementError("value", _("Kravet har inget värde; lämna fältet tomt."))
        return "true"
    if kind in AD_HOC_KINDS:
        counties = [_parse_county(part) for part in text.split(",") if part.strip()]
        if not counties:
            raise RequirementError("value", _("Ange minst ett län."))
        return ",".join(sorted(set(counties)))
    raise RequirementError("kind", _("Okänd kravtyp ”%(kind)s”.", kind=kind))


def parse_kind(raw: Any, *, allow_ad_hoc: bool = False) -> str:
    text = str(raw or "").strip()
    if text in {k.value for k in K} or (allow_ad_hoc and text in AD_HOC_KINDS):
        return text
    raise RequirementError("kind", _("Välj en kravtyp."))


def parse_requirement(data: Mapping[str, Any], *, allow_ad_hoc: bool = False) -> Req:
    """``{"kind", "value", "mandatory": true}`` or ``{"kind", "value", "weight": 1..10}``."""
    kind = parse_kind(data.get("kind"), allow_ad_hoc=allow_ad_hoc)
    value = parse_value(kind, data.get("value"))
    mandatory = data.get("mandatory") in (True, "true", "1", "on", "yes", 1)
    if mandatory:
        return Req(kind, value, True, 0)
    weight = data.get("weight")
    try:
        weight_int = int(str(weight).strip())
    except (TypeError, ValueError):
        weight_int = 0
    if not 1 <= weight_int <= 10:
        raise RequirementError("weight", _("Ett bör-krav behöver en vikt mellan 1 och 10."))
    return Req(kind, value, False, weight_int)


def value_label(kind: str, value: str) -> str:
    """The Swedish reading of a stored value, for tables, reasons and exports."""
    if kind in CODED:
        try:
            return label(CODED[kind](value))
        except ValueError:
            return value
    if kind == K.SERVES_COUNTY:
        return c.COUNTIES.get(value, value)
    if kind in AD_HOC_KINDS:
        return ", ".join(c.COUNTIES.get(v, v) for v in value.split(",") if v)
    if kind == K.PRICE_PER_DAY_AT_MOST:
        from vendor_registry.formatting import format_sek

        return format_sek(int(value)) if value.isdigit() else value
    if kind in TRUE_ONLY:
        return _("Ja")
    if kind == K.REVIEWED_WITHIN_DAYS:
        return _("%(days)s dagar", days=value)
    return value


def kind_label(kind: str) -> str:
    if kind == SERVES_COUNTY_AMONG:
        return _("Verkar i något av länen")
    if kind == SERVES_COUNTY_OUTSIDE:
        return _("Verkar utanför uteslutna län")
    try:
        return label(K(kind))
    except ValueError:
        return kind


def describe(req: Req) -> str:
    """"Dygnspris högst: 3 000 kr" – how a requirement reads in lists and exports."""
    if req.kind in TRUE_ONLY:
        return kind_label(req.kind)
    return f"{kind_label(req.kind)}: {req.display_value}"


def label_choices() -> list[str]:
    """Every coded value's Swedish name and every county: suggestions for the value input."""
    seen: list[str] = []
    for enum_cls in CODED.values():
        seen.extend(label(m) for m in enum_cls if label(m) not in seen)
    seen.extend(name for name in c.COUNTIES.values() if name not in seen)
    return seen


#: Weight given to a need the user marked as bör-krav on the ad hoc page.
AD_HOC_WEIGHT = 5


def needs_to_requirements(needs: Mapping[str, Any]) -> list[Req]:
    """The ad hoc page's needs as requirements (never stored).

    Wanted counties are alternatives: one "any of" requirement for the wanted counties that are
    not excluded. Excluded counties are always a ska-krav: the provider must serve some county
    outside them (when wanted counties are given, serving one of those already implies it).
    """
    def mode(name: str) -> tuple[bool, int]:
        mandatory = needs.get(f"{name}_mode", "mandatory") != "weighted"
        return mandatory, 0 if mandatory else AD_HOC_WEIGHT

    reqs: list[Req] = []
    if needs.get("provider_kind"):
        reqs.append(Req(str(K.PROVIDER_KIND), parse_value(K.PROVIDER_KIND, needs["provider_kind"]),
                        *mode("provider_kind")))
    for code in needs.get("licences") or []:
        reqs.append(Req(str(K.LICENCE_VALID), parse_value(K.LICENCE_VALID, code), *mode("licences")))
    for name, kind in (("target_group", K.ACCEPTS_TARGET_GROUP), ("threat_level", K.THREAT_LEVEL_AT_LEAST),
                       ("housing_form", K.HOUSING_FORM)):
        if needs.get(name):
            reqs.append(Req(str(kind), parse_value(kind, needs[name]), *mode(name)))
    excluded = {str(v) for v in needs.get("excluded_counties") or []}
    wanted = sorted({str(v) for v in needs.get("counties") or []} - excluded)
    if wanted:
        reqs.append(Req(SERVES_COUNTY_AMONG, ",".join(wanted), *mode("counties")))
    elif excluded:
        reqs.append(Req(SERVES_COUNTY_OUTSIDE, ",".join(sorted(excluded)), True, 0))
    for code in needs.get("service_areas") or []:
        reqs.append(Req(str(K.OFFERS_SERVICE_AREA), str(code), *mode("service_areas")))
    for method_id in needs.get("methods") or []:
        reqs.append(Req(str(K.OFFERS_METHOD), str(method_id), *mode("methods")))
    if needs.get("max_price"):
        reqs.append(Req(str(K.PRICE_PER_DAY_AT_MOST), str(int(needs["max_price"])), *mode("max_price")))
    return reqs
