"""Clients for the outside world: IVO's register, Bolagsverket, IVO extract files.

A plain library: it imports nothing from the app and nothing from Flask. The app builds a
checker (``IvoRegisterChecker.from_env(os.environ)``, ``CompanyRegistryChecker.from_env(...)``),
calls ``checker.check(subject)`` and stores the :class:`~checks.base.CheckResult`.
"""

from checks.base import (
    Checker,
    CheckResult,
    CheckStatus,
    CheckSubject,
    Evidence,
    ExpectedLicence,
    LicenceFinding,
    format_org_number,
    normalise_org_number,
)
from checks.company_registry import BolagsverketClient, CompanyRegistryChecker
from checks.extract import ExtractResult, ExtractRow, parse_extract
from checks.http import FetchError, ResponseTooLarge, fetch, make_session
from checks.ivo_parse import ParsedPage, parse_register_page
from checks.ivo_register import IvoRegisterChecker

__all__ = [
    "BolagsverketClient",
    "CheckResult",
    "CheckStatus",
    "CheckSubject",
    "Checker",
    "CompanyRegistryChecker",
    "Evidence",
    "ExpectedLicence",
    "ExtractResult",
    "ExtractRow",
    "FetchError",
    "IvoRegisterChecker",
    "LicenceFinding",
    "ParsedPage",
    "ResponseTooLarge",
    "fetch",
    "format_org_number",
    "make_session",
    "normalise_org_number",
    "parse_extract",
    "parse_register_page",
]
