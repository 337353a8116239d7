"""Swedish names for the stored codes (translated to English through the catalogue).

Screens, exports and forms all ask ``label(code)``; nothing else spells a code's name.
"""
from __future__ import annotations

from enum import Enum
from functools import lru_cache

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from vendor_registry import codes as c
from vendor_registry.i18n import locale_code

_LABELS: list[tuple[Enum, LazyString]] = [
    (c.Role.ADMIN, _l("Systemförvaltare")),
    (c.Role.PROCUREMENT_OFFICER, _l("Upphandlare")),
    (c.Role.SUPERVISOR, _l("Enhetschef / tillsyn")),
    (c.Role.SOCIAL_WORKER, _l("Socialsekreterare")),
    (c.ProviderKind.DEFECTOR_SUPPORT, _l("Avhopparverksamhet")),
    (c.ProviderKind.HVB, _l("HVB")),
    (c.ProviderKind.PROTECTED_HOUSING, _l("Skyddat boende")),
    (c.ProviderKind.SUPPORTED_HOUSING, _l("Stödboende")),
    (c.ProviderKind.OUTPATIENT, _l("Öppenvård")),
    (c.ProviderKind.OTHER, _l("Annan verksamhet")),
    (c.Ownership.PRIVATE, _l("Privat")),
    (c.Ownership.NON_PROFIT, _l("Idéburen")),
    (c.Ownership.PUBLIC, _l("Offentlig")),
    (c.ProviderStatus.DRAFT, _l("Utkast")),
    (c.ProviderStatus.UNDER_REVIEW, _l("Under granskning")),
    (c.ProviderStatus.APPROVED, _l("Godkänd")),
    (c.ProviderStatus.CONDITIONALLY_APPROVED, _l("Godkänd med villkor")),
    (c.ProviderStatus.REJECTED, _l("Avslagen")),
    (c.ProviderStatus.SUSPENDED, _l("Avstängd")),
    (c.ProviderStatus.INACTIVE, _l("Inaktiv")),
    (c.TargetGroup.ADULTS, _l("Vuxna")),
    (c.TargetGroup.YOUTH_16_20, _l("Unga 16–20 år")),
    (c.TargetGroup.CHILDREN_WITH_GUARDIAN, _l("Barn med vårdnadshavare")),
    (c.TargetGroup.WOMEN, _l("Kvinnor")),
    (c.TargetGroup.MEN, _l("Män")),
    (c.TargetGroup.FAMILIES, _l("Familjer")),
    (c.HousingForm.OWN_FLAT, _l("Egen lägenhet")),
    (c.HousingForm.COLLECTIVE, _l("Kollektivt boende")),
    (c.ThreatLevel.LOW, _l("Låg")),
    (c.ThreatLevel.MEDIUM, _l("Medel")),
    (c.ThreatLevel.HIGH, _l("Hög")),
    (c.EvidenceLevel.NOT_ASSESSED, _l("Ej bedömd")),
    (c.EvidenceLevel.INSUFFICIENT, _l("Otillräckligt underlag")),
    (c.EvidenceLevel.LIMITED, _l("Begränsat stöd")),
    (c.EvidenceLevel.MODERATE, _l("Måttligt stöd")),
    (c.EvidenceLevel.STRONG, _l("Starkt stöd")),
    (c.ReviewOutcome.SATISFACTORY, _l("Tillfredsställande")),
    (c.ReviewOutcome.DEFICIENCIES, _l("Brister")),
    (c.ReviewOutcome.SERIOUS_DEFICIENCIES, _l("Allvarliga brister")),
    (c.ServiceAreaCode.PROTECTION_HOUSING, _l("Skydd och boende")),
    (c.ServiceAreaCode.SUBSTANCE_ABUSE, _l("Missbruk och beroende")),
    (c.ServiceAreaCode.MENTAL_HEALTH, _l("Psykisk hälsa")),
    (c.ServiceAreaCode.TRAUMA, _l("Trauma")),
    (c.ServiceAreaCode.EMPLOYMENT_EDUCATION, _l("Arbete och utbildning")),
    (c.ServiceAreaCode.DEBT_ECONOMY, _l("Skulder och ekonomi")),
    (c.ServiceAreaCode.FAMILY_NETWORK, _l("Familj och nätverk")),
    (c.ServiceAreaCode.PHYSICAL_HEALTH, _l("Fysisk hälsa")),
    (c.ServiceAreaCode.LEISURE_CIVIL_SOCIETY, _l("Fritid och civilsamhälle")),
    (c.LicenceKind.HVB, _l("HVB")),
    (c.LicenceKind.PROTECTED_HOUSING, _l("Skyddat boende")),
    (c.LicenceKind.SUPPORTED_HOUSING, _l("Stödboende")),
    (c.LicenceKind.OTHER, _l("Annat")),
    (c.LicenceForm.PERMIT, _l("Tillstånd")),
    (c.LicenceForm.NOTIFICATION, _l("Anmälan")),
    (c.LicenceStatus.VALID, _l("Gällande")),
    (c.LicenceStatus.APPLIED, _l("Ansökt")),
    (c.LicenceStatus.REVOKED, _l("Återkallat")),
    (c.LicenceStatus.REVOCATION_APPEALED, _l("Återkallelse överklagad")),
    (c.LicenceStatus.EXPIRED, _l("Upphört")),
    (c.LicenceStatus.UNKNOWN, _l("Okänd")),
    (c.VerificationMethod.MANUAL, _l("Manuellt")),
    (c.VerificationMethod.IVO_REGISTER, _l("IVO:s register")),
    (c.VerificationMethod.IVO_EXTRACT, _l("Registerutdrag från IVO")),
    (c.VerificationMethod.CERTIFICATE, _l("Tillståndsbevis eller besked från IVO")),
    (c.CheckType.IVO_REGISTER, _l("IVO-register")),
    (c.CheckType.COMPANY_REGISTRY, _l("Bolagsregistret")),
    (c.CheckType.TAX_REGISTRATION, _l("F-skatt och skatteskulder")),
    (c.CheckType.ENFORCEMENT_DEBTS, _l("Skulder hos Kronofogden")),
    (c.CheckType.STAFF_RECORDS, _l("Utdrag ur belastningsregistret för personal")),
    (c.CheckType.VALUES_DECLARATION, _l("Försäkran om demokratiska värderingar")),
    (c.CheckType.INSURANCE, _l("Ansvarsförsäkring")),
    (c.CheckType.FINANCIAL_STANDING, _l("Ekonomisk ställning")),
    (c.CheckOutcome.PASS, _l("Godkänd")),
    (c.CheckOutcome.CONCERN, _l("Anmärkning")),
    (c.CheckOutcome.FAIL, _l("Underkänd")),
    (c.CheckOutcome.ERROR, _l("Fel vid kontroll")),
    (c.ContractKind.FRAMEWORK, _l("Ramavtal")),
    (c.ContractKind.DIRECT_AWARD, _l("Direktupphandling")),
    (c.ContractKind.SINGLE_PLACEMENT, _l("Avtal för enskild placering")),
    (c.ReviewKind.ANNUAL_QUALITY, _l("Årlig kvalitetsuppföljning")),
    (c.ReviewKind.SITE_VISIT, _l("Platsbesök")),
    (c.ReviewKind.PLACEMENT_FOLLOW_UP, _l("Uppföljning efter placering")),
    (c.ReviewKind.CONTRACT_FOLLOW_UP, _l("Avtalsuppföljning")),
    (c.RatingDimension.DELIVERED_AS_AGREED, _l("Levererat enligt överenskommelse")),
    (c.RatingDimension.STAFF_COMPETENCE, _l("Personalens kompetens")),
    (c.RatingDimension.SAFETY, _l("Säkerhet")),
    (c.RatingDimension.COOPERATION, _l("Samverkan")),
    (c.RatingDimension.DOCUMENTATION, _l("Dokumentation")),
    (c.RequirementKind.PROVIDER_KIND, _l("Verksamhetstyp")),
    (c.RequirementKind.LICENCE_VALID, _l("Giltigt tillstånd")),
    (c.RequirementKind.OFFERS_METHOD, _l("Erbjuder metod")),
    (c.RequirementKind.METHOD_EVIDENCE_AT_LEAST, _l("Metodernas evidens minst")),
    (c.RequirementKind.OFFERS_SERVICE_AREA, _l("Erbjuder insatsområde")),
    (c.RequirementKind.ACCEPTS_TARGET_GROUP, _l("Tar emot målgrupp")),
    (c.RequirementKind.HOUSING_FORM, _l("Boendeform")),
    (c.RequirementKind.THREAT_LEVEL_AT_LEAST, _l("Klarar hotnivå minst")),
    (c.RequirementKind.SERVES_COUNTY, _l("Verkar i län")),
    (c.RequirementKind.PRICE_PER_DAY_AT_MOST, _l("Dygnspris högst")),
    (c.RequirementKind.CHECKS_CURRENT, _l("Alla kontroller aktuella")),
    (c.RequirementKind.NO_OPEN_CRITICAL_FLAG, _l("Ingen öppen kritisk avvikelse")),
    (c.RequirementKind.REVIEWED_WITHIN_DAYS, _l("Uppföljd inom antal dagar")),
    (c.RequirementKind.REVIEW_OUTCOME_AT_LEAST, _l("Uppföljningens resultat minst")),
    (c.ProfileStatus.ACTIVE, _l("Aktiv")),
    (c.ProfileStatus.RETIRED, _l("Avvecklad")),
    (c.FlagRule.LICENCE_MISSING, _l("Tillstånd saknas")),
    (c.FlagRule.LICENCE_LAPSED, _l("Tillstånd har upphört")),
    (c.FlagRule.LICENCE_EXPIRING, _l("Tillstånd löper snart ut")),
    (c.FlagRule.LICENCE_UNVERIFIED, _l("Tillstånd inte verifierat")),
    (c.FlagRule.LICENCE_MISMATCH, _l("IVO:s register avviker")),
    (c.FlagRule.CHECK_OVERDUE, _l("Kontroll försenad")),
    (c.FlagRule.CHECK_FAILED, _l("Kontroll med anmärkning eller underkänd")),
    (c.FlagRule.CHECK_ERROR, _l("Automatisk kontroll misslyckas")),
    (c.FlagRule.REVIEW_MISSING, _l("Uppföljning saknas")),
    (c.FlagRule.REVIEW_OVERDUE, _l("Uppföljning försenad")),
    (c.FlagRule.REVIEW_ACTIONS_OVERDUE, _l("Åtgärd från uppföljning försenad")),
    (c.FlagRule.CERTIFICATION_EXPIRED, _l("Metodcertifiering har gått ut")),
    (c.FlagRule.CONTRACT_EXPIRING, _l("Avtal löper snart ut")),
    (c.FlagRule.CONTRACT_EXPIRED, _l("Avtal har löpt ut")),
    (c.FlagSeverity.CRITICAL, _l("Kritisk")),
    (c.FlagSeverity.HIGH, _l("Hög")),
    (c.FlagSeverity.MEDIUM, _l("Medel")),
    (c.FlagSeverity.LOW, _l("Låg")),
    (c.FlagStatus.OPEN, _l("Öppen")),
    (c.FlagStatus.ACKNOWLEDGED, _l("Kvitterad")),
    (c.FlagStatus.RESOLVED, _l("Åtgärdad")),
    (c.FlagStatus.DISMISSED, _l("Avfärdad")),
    (c.JobName.LICENCE_SWEEP, _l("Genomgång av tillstånd")),
    (c.JobName.CHECK_SWEEP, _l("Genomgång av kontroller")),
    (c.JobName.REVIEW_SWEEP, _l("Genomgång av uppföljningar")),
    (c.JobName.CERTIFICATION_SWEEP, _l("Genomgång av certifieringar")),
    (c.JobName.CONTRACT_SWEEP, _l("Genomgång av avtal")),
    (c.JobName.RUN_DUE_CHECKS, _l("Kör förfallna automatiska kontroller")),
    (c.JobName.DIGEST, _l("Sammanfattning via e-post")),
    (c.JobRunStatus.RUNNING, _l("Pågår")),
    (c.JobRunStatus.SUCCEEDED, _l("Lyckades")),
    (c.JobRunStatus.FAILED, _l("Misslyckades")),
    (c.JobRunStatus.REQUESTED, _l("Väntar på schemaläggaren")),
    (c.JobRunStatus.SKIPPED, _l("Hoppades över")),
    (c.JobRunStatus.ABANDONED, _l("Avbruten")),
]


# Keyed by (vocabulary, code): StrEnum members hash as their string, so ProviderKind.OTHER and
# LicenceKind.OTHER would otherwise be one key and one of them would show the other's name.
LABELS: dict[tuple[type[Enum], str], LazyString] = {(type(m), m.value): text for m, text in _LABELS}


def lazy_label(member: Enum) -> LazyString:
    """The label as a lazy string, for form field declarations made at import time."""
    return LABELS[(type(member), member.value)]


@lru_cache(maxsize=4096)
def _translated(vocabulary: type[Enum], code: str, locale: str) -> str:
    """One catalogue lookup per code and language: exports and sweeps label thousands of rows."""
    found = LABELS.get((vocabulary, code))
    return str(found) if found is not None else code


def label(value: object) -> str:
    """The display name of a code (an enum member or its stored string)."""
    if value is None or value == "":
        return ""
    if isinstance(value, Enum):
        return _translated(type(value), str(value.value), locale_code())
    text = str(value)
    if text in c.COUNTIES:
        return c.COUNTIES[text]
    return text


def enum_label(enum_cls: type[Enum], code: str) -> str:
    """Label for a stored string known to belong to ``enum_cls``."""
    try:
        return label(enum_cls(code))
    except ValueError:
        return code


def choices(enum_cls: type[Enum]) -> list[tuple[str, str]]:
    """(code, label) pairs for a select field, in declaration order."""
    return [(member.value, label(member)) for member in enum_cls]


def county_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {name}") for code, name in c.COUNTIES.items()]
