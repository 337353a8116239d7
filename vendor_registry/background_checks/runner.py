"""Running the automatic checks: the checkers built from config, one check, the due run.

``build_checkers`` is the only place a checker is constructed, so the CLI, the "run check
now" button and the scheduler job all talk to the same sources with the same timeouts. A
source without configuration is simply absent from its answer: such a check is reported as
"not configured" and records nothing, rather than an error row every night.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import groupby
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from checks.base import Checker, CheckResult, CheckSubject, ExpectedLicence
from checks.company_registry import BolagsverketClient, CompanyRegistryChecker
from checks.http import make_session
from checks.ivo_register import IvoRegisterChecker
from vendor_registry.background_checks import queries, services
from vendor_registry.background_checks.models import BackgroundCheck
from vendor_registry.codes import CheckType
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence
from vendor_registry.providers.models import Provider
from vendor_registry.sqlite import write_intent

AUTOMATIC_TYPES = tuple(t for t in CheckType if t.automatic)
NOT_CONFIGURED = "not_configured"


def _session(config: Mapping[str, Any], *, per_minute: int | None, key: str):
    return make_session(
        connect_timeout=float(config.get("CHECKS_CONNECT_TIMEOUT") or 5.0),
        read_timeout=float(config.get("CHECKS_READ_TIMEOUT") or 20.0),
        retries=int(config.get("CHECKS_RETRIES", 3)),
        backoff=float(config.get("CHECKS_BACKOFF", 0.5)),
        total_timeout=float(config.get("CHECKS_TOTAL_TIMEOUT") or 60.0),
        rate_limit_per_minute=per_minute, rate_limit_key=key,
    )


def build_checkers(app_config: Mapping[str, Any]) -> dict[CheckType, Checker]:
    """The configured automatic checkers; a type missing here is "not configured".

    ``IVO_REGISTER_URL`` is a URL template with ``{org_number}`` or
    ``{org_number_formatted}``; Bolagsverket needs all four ``BOLAGSVERKET_*`` settings.
    """
    checkers: dict[CheckType, Checker] = {}
    ivo_url = (app_config.get("IVO_REGISTER_URL") or "").strip()
    if ivo_url:
        checkers[CheckType.IVO_REGISTER] = IvoRegisterChecker(
            ivo_url,
            session=_session(app_config, key="ivo_register",
                             per_minute=int(app_config.get("IVO_REGISTER_REQUESTS_PER_MINUTE") or 30)),
            respect_robots=bool(app_config.get("IVO_REGISTER_RESPECT_ROBOTS", True)),
        )
    settings = {name: str(app_config.get(name) or "") for name in (
        "BOLAGSVERKET_API_URL", "BOLAGSVERKET_TOKEN_URL", "BOLAGSVERKET_CLIENT_ID",
        "BOLAGSVERKET_CLIENT_SECRET")}
    session = _session(app_config, key="bolagsverket",
                       per_minute=int(app_config.get("BOLAGSVERKET_REQUESTS_PER_MINUTE") or 60))
    client = BolagsverketClient.from_env(settings, session=session)
    if client is not None:
        checkers[CheckType.COMPANY_REGISTRY] = CompanyRegistryChecker(client)
    return checkers


def subject_for(provider: Provider) -> CheckSubject:
    licences = db.session.scalars(
        select(Licence).where(Licence.provider_id == provider.id).order_by(Licence.id))
    return CheckSubject(
        org_number=provider.org_number, name=provider.name,
        licences=tuple(ExpectedLicence(lic.id, lic.kind.value, lic.ivo_reference, lic.status.value,
                                       scope=lic.scope)
                       for lic in licences),
    )


def fetch_result(provider: Provider, check_type: CheckType, checker: Checker) -> CheckResult:
    """Ask the source; a crash inside a checker is an error result too, so a provider never
    silently goes unchecked."""
    try:
        return checker.check(subject_for(provider))
    except Exception as exc:
        current_app.logger.exception("checker %s failed for provider %s", check_type, provider.id)
        with force_locale("sv"):  # stored summaries are Swedish, like the checkers' own
            summary = _("Kontrollen avbröts av ett oväntat fel (%(kind)s); ingen bedömning gjordes.",
                        kind=type(exc).__name__)
        return CheckResult.error(check_type.value, summary)


def run_check(provider: Provider, check_type: CheckType, checker: Checker) -> BackgroundCheck:
    """Ask the source and record whatever it answered (no commit)."""
    return services.record_check_result(provider, fetch_result(provider, check_type, checker), automatic=True)


def run_checks_for_provider(provider: Provider, types: list[CheckType] | None = None,
                            checkers: dict[CheckType, Checker] | None = None,
                            ) -> list[tuple[CheckType, BackgroundCheck | None]]:
    """Run the given automatic types now (None in the answer: not configured). No commit."""
    checkers = build_checkers(current_app.config) if checkers is None else checkers
    answer: list[tuple[CheckType, BackgroundCheck | None]] = []
    for check_type in types or list(AUTOMATIC_TYPES):
        checker = checkers.get(check_type)
        answer.append((check_type, run_check(provider, check_type, checker) if checker else None))
    return answer


Report = Callable[[Provider, CheckType, BackgroundCheck], None]


def run_due_checks(limit: int | None = None, *, checkers: dict[CheckType, Checker] | None = None,
                   report: Report | None = None, progress: Callable[..., None] | None = None) -> dict[str, int]:
    """Run every due automatic check, one provider at a time, committing after each check.

    Resumable by construction: a check is due when it was never run or its latest due date
    has passed, and each result is committed before the next check starts; so after a crash,
    a new run finds only what had not been recorded. No transaction is open while a source
    is asked, and each result is written in a short IMMEDIATE one, so on SQLite the web app
    writes freely beside a long run. ``limit`` caps the number of checks run. The answer
    counts what happened, by result; ``progress(done, total, "providers", counts)`` follows
    each provider.
    """
    checkers = build_checkers(current_app.config) if checkers is None else checkers
    counts = {"due": 0, "run": 0, "pass": 0, "concern": 0, "fail": 0, "error": 0,
              NOT_CONFIGURED: 0, "skipped": 0}
    pairs = queries.due_automatic_checks(AUTOMATIC_TYPES)
    counts["due"] = len(pairs)
    total = len({provider.id for provider, _type in pairs})
    db.session.commit()  # end the read: nothing is held while the sources answer
    if progress is not None:
        progress(0, total, "providers", counts)
    for providers_done, (_org, group) in enumerate(groupby(pairs, key=lambda pair: pair[0].org_number), start=1):
        done: list[tuple[Provider, CheckType, BackgroundCheck]] = []
        for provider, check_type in group:
            checker = checkers.get(check_type)
            if checker is None:
                counts[NOT_CONFIGURED] += 1
                continue
            if limit is not None and counts["run"] >= limit:
                break
            # Another run (scheduler and CLI at once) may have done it since the list was made.
            db.session.commit()  # a reload since the last commit may have begun a transaction
            with write_intent(False):
                still_due = queries.due_automatic_checks([check_type], provider_ids=[provider.id])
                result = fetch_result(provider, check_type, checker) if still_due else None
                db.session.commit()
            if result is None:
                counts["skipped"] += 1
                continue
            with write_intent(True):
                check = services.record_check_result(provider, result, automatic=True)
                db.session.commit()
            counts["run"] += 1
            counts[check.result.value] += 1
            done.append((provider, check_type, check))
        if report is not None:  # only once it is on record
            for provider, check_type, check in done:
                report(provider, check_type, check)
        if progress is not None:
            progress(providers_done, total, "providers", counts)
        if limit is not None and counts["run"] >= limit:
            break
    return counts
