"""Imports every feature's models so that the metadata (and Alembic) sees all tables."""
from vendor_registry.audit.models import AuditEvent
from vendor_registry.auth.models import ApiToken, User
from vendor_registry.background_checks.models import (
    BackgroundCheck,
    CheckPolicy,
    EvidenceDocument,
)
from vendor_registry.contracts.models import Contract
from vendor_registry.datastamp import DataStamp
from vendor_registry.demand.models import DemandProfile, Requirement
from vendor_registry.flags.models import Flag, FlagHandling, Notification
from vendor_registry.jobs.models import JobRun
from vendor_registry.licences.models import Licence
from vendor_registry.methods.models import Method, ProviderMethod, ServiceArea
from vendor_registry.organisations.models import Organisation
from vendor_registry.providers.models import ApprovalEvent, Provider, ProviderApproval
from vendor_registry.reviews.models import PublishedReview, Review, ReviewAction

__all__ = [
    "ApiToken", "ApprovalEvent", "AuditEvent", "BackgroundCheck", "CheckPolicy", "Contract",
    "DataStamp", "DemandProfile", "EvidenceDocument", "Flag", "FlagHandling", "JobRun", "Licence", "Method", "Notification",
    "Organisation", "Provider", "ProviderApproval", "ProviderMethod", "PublishedReview", "Requirement", "Review",
    "ReviewAction",
    "ServiceArea", "User",
]
