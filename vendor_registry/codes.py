"""The stored codes of DOMAIN.md §6.

Stored values and API values are these codes; screens show the Swedish names from
``labels.py``. Ordered vocabularies (threat level, evidence level, review outcome) expose
their rank so that "at least" comparisons are one place, not scattered integer literals.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "admin"
    PROCUREMENT_OFFICER = "procurement_officer"
    SUPERVISOR = "supervisor"
    SOCIAL_WORKER = "social_worker"


class ProviderKind(StrEnum):
    DEFECTOR_SUPPORT = "defector_support"
    HVB = "hvb"
    PROTECTED_HOUSING = "protected_housing"
    SUPPORTED_HOUSING = "supported_housing"
    OUTPATIENT = "outpatient"
    OTHER = "other"


class Ownership(StrEnum):
    PRIVATE = "private"
    NON_PROFIT = "non_profit"
    PUBLIC = "public"


class ProviderStatus(StrEnum):
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    CONDITIONALLY_APPROVED = "conditionally_approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    INACTIVE = "inactive"


class TargetGroup(StrEnum):
    ADULTS = "adults"
    YOUTH_16_20 = "youth_16_20"
    CHILDREN_WITH_GUARDIAN = "children_with_guardian"
    WOMEN = "women"
    MEN = "men"
    FAMILIES = "families"


class HousingForm(StrEnum):
    OWN_FLAT = "own_flat"
    COLLECTIVE = "collective"


class _Ranked(StrEnum):
    """A vocabulary whose declaration order is its ranking (lowest first)."""

    @property
    def rank(self) -> int:
        # Memoised per class: a sweep compares hundreds of thousands of severities.
        ranks = _RANKS.get(type(self))
        if ranks is None:
            ranks = _RANKS[type(self)] = {member: position for position, member in enumerate(type(self))}
        return ranks[self]


_RANKS: dict[type, dict[Any, int]] = {}


class ThreatLevel(_Ranked):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class EvidenceLevel(_Ranked):
    NOT_ASSESSED = "not_assessed"
    INSUFFICIENT = "insufficient"
    LIMITED = "limited"
    MODERATE = "moderate"
    STRONG = "strong"


class ReviewOutcome(_Ranked):
    """Ranked worst first, so that "outcome at least X" is ``rank >= X.rank``."""

    SERIOUS_DEFICIENCIES = "serious_deficiencies"
    DEFICIENCIES = "deficiencies"
    SATISFACTORY = "satisfactory"


class ServiceAreaCode(StrEnum):
    PROTECTION_HOUSING = "protection_housing"
    SUBSTANCE_ABUSE = "substance_abuse"
    MENTAL_HEALTH = "mental_health"
    TRAUMA = "trauma"
    EMPLOYMENT_EDUCATION = "employment_education"
    DEBT_ECONOMY = "debt_economy"
    FAMILY_NETWORK = "family_network"
    PHYSICAL_HEALTH = "physical_health"
    LEISURE_CIVIL_SOCIETY = "leisure_civil_society"


#: Counties by their official two-digit codes, with their official names.
COUNTIES: dict[str, str] = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}


class LicenceKind(StrEnum):
    HVB = "hvb"
    PROTECTED_HOUSING = "protected_housing"
    SUPPORTED_HOUSING = "supported_housing"
    OTHER = "other"


class LicenceForm(StrEnum):
    PERMIT = "permit"
    NOTIFICATION = "notification"


class LicenceStatus(StrEnum):
    VALID = "valid"
    APPLIED = "applied"
    REVOKED = "revoked"
    REVOCATION_APPEALED = "revocation_appealed"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class VerificationMethod(StrEnum):
    MANUAL = "manual"
    IVO_REGISTER = "ivo_register"
    IVO_EXTRACT = "ivo_extract"
    CERTIFICATE = "certificate"


class CheckType(StrEnum):
    IVO_REGISTER = "ivo_register"
    COMPANY_REGISTRY = "company_registry"
    TAX_REGISTRATION = "tax_registration"
    ENFORCEMENT_DEBTS = "enforcement_debts"
    STAFF_RECORDS = "staff_records"
    VALUES_DECLARATION = "values_declaration"
    INSURANCE = "insurance"
    FINANCIAL_STANDING = "financial_standing"

    @property
    def automatic(self) -> bool:
        return self in (CheckType.IVO_REGISTER, CheckType.COMPANY_REGISTRY)


#: Default interval per check type (DOMAIN.md §3); the policy table may override it.
DEFAULT_CHECK_INTERVAL_DAYS: dict[CheckType, int] = {
    CheckType.IVO_REGISTER: 30,
    CheckType.COMPANY_REGISTRY: 90,
    CheckType.TAX_REGISTRATION: 180,
    CheckType.ENFORCEMENT_DEBTS: 180,
    CheckType.STAFF_RECORDS: 365,
    CheckType.VALUES_DECLARATION: 365,
    CheckType.INSURANCE: 365,
    CheckType.FINANCIAL_STANDING: 365,
}


class CheckOutcome(StrEnum):
    PASS = "pass"
    CONCERN = "concern"
    FAIL = "fail"
    ERROR = "error"


class ContractKind(StrEnum):
    FRAMEWORK = "framework"
    DIRECT_AWARD = "direct_award"
    SINGLE_PLACEMENT = "single_placement"


class ReviewKind(StrEnum):
    ANNUAL_QUALITY = "annual_quality"
    SITE_VISIT = "site_visit"
    PLACEMENT_FOLLOW_UP = "placement_follow_up"
    CONTRACT_FOLLOW_UP = "contract_follow_up"


class RatingDimension(StrEnum):
    DELIVERED_AS_AGREED = "delivered_as_agreed"
    STAFF_COMPETENCE = "staff_competence"
    SAFETY = "safety"
    COOPERATION = "cooperation"
    DOCUMENTATION = "documentation"


class RequirementKind(StrEnum):
    PROVIDER_KIND = "provider_kind"
    LICENCE_VALID = "licence_valid"
    OFFERS_METHOD = "offers_method"
    METHOD_EVIDENCE_AT_LEAST = "method_evidence_at_least"
    OFFERS_SERVICE_AREA = "offers_service_area"
    ACCEPTS_TARGET_GROUP = "accepts_target_group"
    HOUSING_FORM = "housing_form"
    THREAT_LEVEL_AT_LEAST = "threat_level_at_least"
    SERVES_COUNTY = "serves_county"
    PRICE_PER_DAY_AT_MOST = "price_per_day_at_most"
    CHECKS_CURRENT = "checks_current"
    NO_OPEN_CRITICAL_FLAG = "no_open_critical_flag"
    REVIEWED_WITHIN_DAYS = "reviewed_within_days"
    REVIEW_OUTCOME_AT_LEAST = "review_outcome_at_least"


class ProfileStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class FlagRule(StrEnum):
    LICENCE_MISSING = "licence_missing"
    LICENCE_LAPSED = "licence_lapsed"
    LICENCE_EXPIRING = "licence_expiring"
    LICENCE_UNVERIFIED = "licence_unverified"
    LICENCE_MISMATCH = "licence_mismatch"
    CHECK_OVERDUE = "check_overdue"
    CHECK_FAILED = "check_failed"
    CHECK_ERROR = "check_error"
    REVIEW_MISSING = "review_missing"
    REVIEW_OVERDUE = "review_overdue"
    REVIEW_ACTIONS_OVERDUE = "review_actions_overdue"
    CERTIFICATION_EXPIRED = "certification_expired"
    CONTRACT_EXPIRING = "contract_expiring"
    CONTRACT_EXPIRED = "contract_expired"


class FlagSeverity(_Ranked):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class FlagStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


#: A flag is "live" (open for badges, filters, matching and the approval rule) until resolved
#: or dismissed.
LIVE_FLAG_STATUSES = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


class JobName(StrEnum):
    LICENCE_SWEEP = "licence_sweep"
    CHECK_SWEEP = "check_sweep"
    REVIEW_SWEEP = "review_sweep"
    CERTIFICATION_SWEEP = "certification_sweep"
    CONTRACT_SWEEP = "contract_sweep"
    RUN_DUE_CHECKS = "run_due_checks"
    DIGEST = "digest"


class JobRunStatus(StrEnum):
    REQUESTED = "requested"  # asked for with "Kör nu"; the scheduler process picks it up
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # another run of the job held it; nothing was done
    ABANDONED = "abandoned"  # its process stopped beating (killed): run again once (jobs/leases.py)
