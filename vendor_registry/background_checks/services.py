"""Recording background checks and their evidence.

A check result, whoever produced it, becomes one BackgroundCheck row with its evidence kept:
the raw answer of an automatic source, or the document a person uploaded. Only a definite
answer may touch a licence (``licences.verification``); an ``error`` never does, so an
unreachable or changed source can never become a verdict about a provider. Functions here
flush and never commit; the view, CLI command or job owns the transaction.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from checks.base import CheckResult, CheckStatus, Evidence
from vendor_registry import clock
from vendor_registry.audit.context import current_actor
from vendor_registry.background_checks import queries
from vendor_registry.background_checks.evidence import check_document_belongs
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.background_checks.storage import (
    EXTENSIONS,
    TYPE_NAMES,
    EvidenceStorage,
    allowed_document_types,
    evidence_storage,
    sniff_content_type,
)
from vendor_registry.codes import CheckOutcome, CheckType, VerificationMethod
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence
from vendor_registry.licences.verification import (
    VerificationOutcome,
    apply_register_answer,
)
from vendor_registry.organisations.tenancy import mark_shared, organisation_for_writes
from vendor_registry.providers.models import Provider
from vendor_registry.text import stored

#: After an error the check is due again the next day: soon enough that three errors in a
#: row show up within days, late enough that a restarted run the same day repeats nothing.
ERROR_RETRY_DAYS = 1
MANUAL_RESULTS = (CheckOutcome.PASS, CheckOutcome.CONCERN, CheckOutcome.FAIL)
MANUAL_TYPES = tuple(t for t in CheckType if not t.automatic)

__all__ = [
    "ValidationFailed",
    "next_due_on",
    "record_check_result",
    "record_manual_check",
    "store_document",
    "store_raw_evidence",
]


def _storage() -> EvidenceStorage:
    return evidence_storage(current_app.config)


def _actor_user_id() -> int | None:
    return current_actor().user_id


def store_document(stream: BinaryIO, filename: str | None, *, provider_id: int | None,
                   description: str | None = None) -> EvidenceDocument:
    """Keep an uploaded file as evidence; its type is what its first bytes prove.

    A file named ``.pdf`` that is really a PNG is stored as a PNG (it is a valid image and
    is served back as one); a file whose content is none of the types allowed by
    ``EVIDENCE_ALLOWED_TYPES`` is refused, whatever its name, before anything is stored.
    Raises ``storage.TooLarge`` above ``EVIDENCE_MAX_BYTES``.
    """
    allowed = allowed_document_types(current_app.config)
    head = stream.read(16)
    content_type = sniff_content_type(head)
    if content_type is None or content_type not in allowed:
        names = ", ".join(TYPE_NAMES[t] for t in sorted(allowed, key=list(TYPE_NAMES).index))
        raise ValidationFailed({"document": [_(
            "Filen är inte av en tillåten typ (%(types)s); innehållet avgör, inte filnamnet.", types=names)]})
    stream.seek(0)
    stored = _storage().save(stream)
    return add_document_row(stored.key, stored.size, stored.sha256, content_type, filename,
                         provider_id, description)


def add_document_row(key: str, size: int, sha256: str, content_type: str, filename: str | None,
                  provider_id: int | None, description: str | None) -> EvidenceDocument:
    document = EvidenceDocument(
        provider_id=provider_id, storage_key=key, original_filename=(filename or None) and filename[:255],
        content_type=content_type, size_bytes=size, sha256=sha256,
        description=(description or None) and description[:300], uploaded_by_id=_actor_user_id(),
    )
    db.session.add(document)
    db.session.flush()
    return document


def store_raw_evidence(provider: Provider, check_type: CheckType, evidence: Evidence | None) -> EvidenceDocument | None:
    """Keep a source's raw answer, so a person can later see exactly what it said."""
    if evidence is None or evidence.raw is None:
        return None
    content_type = (evidence.content_type or "application/octet-stream").split(";")[0].strip().lower()
    stored = _storage().save(io.BytesIO(evidence.raw))
    extension = EXTENSIONS.get(content_type, "bin")
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    with force_locale("sv"):
        description = _("Svar från källan")
    return add_document_row(stored.key, stored.size, stored.sha256, content_type[:100],
                         f"{check_type.value}-{provider.org_number}-{stamp}.{extension}",
                         provider.id, description)


def next_due_on(provider: Provider, check_type: CheckType, performed_on: date,
                result: CheckOutcome) -> date:
    if result is CheckOutcome.ERROR:
        return performed_on + timedelta(days=ERROR_RETRY_DAYS)
    return performed_on + timedelta(days=queries.interval_days(provider.kinds, check_type))


def _definite_licence_answers(provider: Provider, result: CheckResult, *, verified_at: datetime,
                              document_id: int | None) -> list[VerificationOutcome]:
    """Apply the register's per-licence answers; only for this provider's own licences."""
    answers = result.details.get("licences") if result.is_definite else None
    if not answers or not isinstance(answers, Mapping):
        return []
    ids = [int(k) for k in answers if str(k).isdigit()]
    licences = db.session.scalars(
        select(Licence).where(Licence.provider_id == provider.id, Licence.id.in_(ids)))
    # The page that answered is the evidence: its address, and the stored copy of what it said.
    source_url = result.evidence.source_url if result.evidence else None
    return [apply_register_answer(licence, str(answers[str(licence.id)]),
                                  method=VerificationMethod.IVO_REGISTER, verified_at=verified_at,
                                  evidence_document_id=document_id, evidence=source_url)
            for licence in licences]


def record_check_result(provider: Provider, result: CheckResult, *, automatic: bool) -> BackgroundCheck:
    """Store a checker's result as a BackgroundCheck, with its raw answer as evidence.

    ``next_due_on`` is the performed date plus the policy interval for the provider's kinds
    (an error is retried the next day). Licences change only on a definite answer.
    """
    check_type = CheckType(result.check_type)
    outcome = CheckOutcome(result.status.value)
    performed_at = result.fetched_at if result.fetched_at.tzinfo else result.fetched_at.replace(tzinfo=UTC)
    document = store_raw_evidence(provider, check_type, result.evidence)
    evidence = result.evidence
    actor = current_actor()
    check = BackgroundCheck(
        provider_id=provider.id, check_type=check_type, performed_at=performed_at,
        performed_by_id=actor.user_id, performed_by_label=actor.label[:254], automatic=automatic,
        result=outcome, summary=stored(result.summary or ""), details=stored(dict(result.details)) or None,
        evidence_document_id=document.id if document else None,
        source_url=(stored(evidence.source_url)[:500] if evidence and evidence.source_url else None),
        request_id=(stored(evidence.request_id)[:64] if evidence and evidence.request_id else None),
        response_sha256=evidence.sha256 if evidence else None,
        next_due_on=next_due_on(provider, check_type, clock.today(performed_at), outcome),
    )
    mark_shared(check)  # an answer from a public register is a fact every organisation sees
    if document is not None:
        mark_shared(document)
    db.session.add(check)
    if result.status is not CheckStatus.ERROR and check_type is CheckType.IVO_REGISTER:
        outcomes = _definite_licence_answers(provider, result, verified_at=performed_at,
                                             document_id=check.evidence_document_id)
        changed = {str(o.licence_id): [o.before.value, o.after.value] for o in outcomes if o.changed}
        if changed:
            check.details = {**(check.details or {}), "licence_changes": changed}
    db.session.flush()
    return check


def _performed_at(performed_on: date) -> datetime:
    """Now for a check done today; otherwise noon of that day in Sweden."""
    if performed_on == clock.today():
        return utcnow()
    return datetime.combine(performed_on, time(12), queries.STOCKHOLM).astimezone(UTC)


def validate_manual(data: Mapping[str, Any], provider_id: int | None = None) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    try:
        check_type = CheckType(data.get("check_type") or "")
        if check_type.automatic:
            raise ValueError
    except ValueError:
        check_type = None
        errors["check_type"] = [_l("Välj en kontrolltyp som görs manuellt.")]
    try:
        result = CheckOutcome(data.get("result") or "")
        if result not in MANUAL_RESULTS:
            raise ValueError
    except ValueError:
        result = None
        errors["result"] = [_l("Välj godkänd, anmärkning eller underkänd.")]
    performed_on = data.get("performed_on")
    if not isinstance(performed_on, date):
        errors["performed_on"] = [_l("Ange datum som ÅÅÅÅ-MM-DD.")]
    elif performed_on > clock.today():
        errors["performed_on"] = [_l("Kontrollen kan inte vara gjord i framtiden.")]
    summary = (data.get("summary") or "").strip()
    if not summary:
        errors["summary"] = [_l("Beskriv vad kontrollen visade.")]
    due = data.get("next_due_on")
    if due is not None and isinstance(performed_on, date) and due <= performed_on:
        errors["next_due_on"] = [_l("Nästa kontroll måste ligga efter kontrolldatumet.")]
    document_id = None
    try:
        document_id = check_document_belongs(provider_id, data.get("evidence_document_id"))
    except ValueError:
        errors["evidence_document_id"] = [_l("Filen hör inte till den här utförarens underlag.")]
    if errors:
        raise ValidationFailed(errors)
    return {"check_type": check_type, "result": result, "performed_on": performed_on,
            "summary": summary, "evidence": (data.get("evidence") or "").strip() or None,
            "next_due_on": due, "evidence_document_id": document_id, "shareable": data.get("shareable") is True}


def record_manual_check(provider: Provider, data: Mapping[str, Any], *,
                        upload: tuple[BinaryIO, str | None] | None = None) -> BackgroundCheck:
    """A check a person made (tax, debts, staff records, declarations…), with its evidence.

    Everything is validated before the document is stored, so bad input keeps nothing. The
    check is the recording organisation's own unless ``shareable`` is true: then it is shared
    (every organisation sees it, and counts it for "checks current") and names the organisation
    that recorded it. Its file stays the organisation's own either way: check evidence may hold
    personal data (a staff member's register extract), and the result and summary are the fact.
    """
    values = validate_manual(data, provider.id)
    document = None
    if upload is not None:
        document = store_document(upload[0], upload[1], provider_id=provider.id,
                                  description=str(values["check_type"].value))
    actor = current_actor()
    performed_on = values["performed_on"]
    check = BackgroundCheck(
        provider_id=provider.id, check_type=values["check_type"],
        performed_at=_performed_at(performed_on), performed_by_id=actor.user_id,
        performed_by_label=actor.label[:254], automatic=False, result=values["result"],
        summary=values["summary"], evidence=values["evidence"] and values["evidence"][:500],
        evidence_document_id=document.id if document else values["evidence_document_id"],
        next_due_on=values["next_due_on"] or next_due_on(provider, values["check_type"], performed_on,
                                                          values["result"]),
    )
    organisation_id = organisation_for_writes()
    if document is not None:
        document.organisation_id = organisation_id
    if values["shareable"]:
        mark_shared(check)
        check.shared_by_organisation_id = organisation_id
    else:  # own, also when a job or the command line records it (fail closed)
        check.organisation_id = organisation_id
    db.session.add(check)
    db.session.flush()
    return check
