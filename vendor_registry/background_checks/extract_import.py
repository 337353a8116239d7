"""Importing an IVO register extract (CSV/XLSX): a dry run first, then the same plan applied.

The uploaded file waits in a separate "pending" folder, named by a server-generated key that
the dry-run page posts back with the file's SHA-256; nothing is written to the database
until the person applies it. Applying re-reads and re-plans the very same file (never a
plan sent back by the browser), stores it as an evidence document, records one
verification per matched licence and one ``ivo_register`` check per affected provider.

A dry run is applied at most once, also when several people (or tabs) apply it at the same
moment: the evidence document keeps the upload's own key, and its unique ``storage_key`` is the
claim. The first apply inserts it; every other one finds it (or waits for it at the unique
index and then meets it) and is told the extract is already applied, having changed nothing.
An upload is untrusted: its size, rows, and (XLSX) zip entries and declared uncompressed
size are checked against the configured limits before it is parsed or kept anywhere
(``checks.extract_limits``); a refused file leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO

from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from checks.extract import ExtractRow, parse_extract
from checks.extract_limits import ExtractLimits, ExtractRefused, inspect_extract
from vendor_registry import clock
from vendor_registry.audit.context import current_actor
from vendor_registry.background_checks import queries, services
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.background_checks.storage import (
    CSV,
    XLSX,
    StoredObject,
    UnknownKey,
    evidence_storage,
    pending_storage,
    sniff_extract_type,
)
from vendor_registry.codes import (
    CheckOutcome,
    CheckType,
    LicenceStatus,
    VerificationMethod,
)
from vendor_registry.database import utcnow
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.formatting import format_filesize
from vendor_registry.licences.models import Licence
from vendor_registry.licences.verification import apply_register_answer, status_after
from vendor_registry.providers.models import Provider

PENDING_MAX_AGE = 24 * 3600  # seconds an unapplied upload is kept
_LAPSED = {LicenceStatus.REVOKED, LicenceStatus.EXPIRED}
ALREADY_APPLIED = _l("Registerutdraget är redan infört (av dig eller någon annan); ingenting ändrades nu. "
                     "Resultatet finns i utförarnas kontrollhistorik.")


class AlreadyApplied(Exception):
    """This dry run's file has been applied already; this apply changed nothing."""


@dataclass
class PlannedRow:
    row: ExtractRow
    reasons: list[str] = field(default_factory=list)
    provider: Provider | None = None
    licence: Licence | None = None
    before: LicenceStatus | None = None
    after: LicenceStatus | None = None

    @property
    def changes(self) -> bool:
        return self.licence is not None and self.before != self.after


@dataclass
class ImportPlan:
    problems: list[str]
    matched: list[PlannedRow]
    unmatched: list[PlannedRow]
    errors: list[PlannedRow]

    @property
    def changes(self) -> list[PlannedRow]:
        return [p for p in self.matched if p.changes]

    @property
    def providers(self) -> list[Provider]:
        seen: dict[int, Provider] = {}
        for planned in self.matched:
            seen.setdefault(planned.provider.id, planned.provider)
        return list(seen.values())


def _ref_key(reference: str | None) -> str:
    return re.sub(r"\s+", "", (reference or "").lower())


def _matches(licence: Licence, row: ExtractRow) -> bool:
    if licence.ivo_reference and row.reference:
        return _ref_key(licence.ivo_reference) == _ref_key(row.reference)
    return licence.kind.value == row.kind


def _limits() -> ExtractLimits:
    return ExtractLimits.from_config(current_app.config)


def _count(number: int | None) -> str:
    locale = "sv_SE" if str(get_locale() or "sv") == "sv" else "en_GB"
    return format_decimal(number or 0, format="#,##0", locale=locale)


def refusal_message(refused: ExtractRefused) -> str:
    """Why a file was refused as a whole, in the reader's language, with the limit."""
    if refused.reason == "bytes":
        return _("Filen är för stor (%(found)s); registret tar emot utdrag på högst %(limit)s.",
                 found=format_filesize(refused.found), limit=format_filesize(refused.limit))
    if refused.reason == "rows":
        return _("Filen har fler rader än de %(limit)s som ett utdrag får ha. Dela upp den i flera filer.",
                 limit=_count(refused.limit))
    if refused.reason == "uncompressed":
        return _("Excel-filen packas upp till %(found)s, mer än de %(limit)s som tas emot. "
                 "Den lästes inte.", found=format_filesize(refused.found), limit=format_filesize(refused.limit))
    if refused.reason == "entries":
        return _("Excel-filen består av %(found)s delar, fler än de %(limit)s som ett registerutdrag "
                 "kan ha. Den lästes inte.", found=_count(refused.found), limit=_count(refused.limit))
    if refused.reason == "xml":
        return _("Excel-filen innehåller XML-konstruktioner som inte tillåts (DTD eller entiteter). "
                 "Den lästes inte.")
    return _("Excel-filer kan inte läsas säkert på den här servern (skyddet mot XML-attacker saknas). "
             "Kontakta systemförvaltaren.")


def plan_import(data: bytes, filename: str | None) -> ImportPlan:
    """Classify every row: matched to one licence, unmatched (and why), or in error (and why).

    Two statements whatever the file's size: the providers named in it, then their licences.
    """
    try:
        parsed = parse_extract(data, filename, _limits())
    except ExtractRefused as refused:
        return ImportPlan([refusal_message(refused)], [], [], [])
    plan = ImportPlan(list(parsed.problems), [], [], [])
    if parsed.problems:
        return plan
    good = [r for r in parsed.rows if r.ok]
    plan.errors.extend(PlannedRow(r, list(r.errors)) for r in parsed.rows if not r.ok)
    numbers = sorted({r.org_number for r in good if r.org_number})
    providers = {p.org_number: p for p in db.session.scalars(
        select(Provider).where(Provider.org_number.in_(numbers)))} if numbers else {}
    licences: dict[int, list[Licence]] = defaultdict(list)
    if providers:
        for licence in db.session.scalars(select(Licence).where(
                Licence.provider_id.in_([p.id for p in providers.values()])).order_by(Licence.id)):
            licences[licence.provider_id].append(licence)

    by_licence: dict[int, list[PlannedRow]] = defaultdict(list)
    for row in good:
        provider = providers.get(row.org_number)
        if provider is None:
            plan.unmatched.append(PlannedRow(row, [str(_l("Organisationsnumret finns inte i registret."))]))
            continue
        hits = [lic for lic in licences[provider.id] if _matches(lic, row)]
        if not hits:
            plan.unmatched.append(PlannedRow(row, [str(_l("Utföraren har inget sådant tillstånd registrerat."))],
                                             provider=provider))
        elif len(hits) > 1:
            plan.unmatched.append(PlannedRow(row, [str(_l(
                "Raden passar flera av utförarens tillstånd; ange diarienummer på tillstånden."))],
                provider=provider))
        else:
            licence = hits[0]
            by_licence[licence.id].append(PlannedRow(
                row, [], provider, licence, licence.status, status_after(licence.status, row.status)))
    for planned_rows in by_licence.values():
        if len({p.row.status for p in planned_rows}) > 1:
            for planned in planned_rows:
                planned.reasons.append(str(_l("Flera rader för samma tillstånd med olika status.")))
                planned.licence = planned.before = planned.after = None
                plan.errors.append(planned)
        else:
            plan.matched.extend(planned_rows[:1])
            for duplicate in planned_rows[1:]:
                duplicate.reasons.append(str(_l("Dubblettrad för samma tillstånd.")))
                plan.unmatched.append(duplicate)
    for group in (plan.matched, plan.unmatched, plan.errors):
        group.sort(key=lambda p: p.row.line_no)
    return plan


def read_upload(stream: BinaryIO) -> bytes:
    """The uploaded extract's bytes, if it is CSV or XLSX and within every limit; nothing is
    parsed or stored before these checks pass."""
    limits = _limits()
    data = stream.read(limits.max_bytes + 1)  # one byte over the limit is enough to refuse
    if sniff_extract_type(data[:16]) is None:
        raise ValidationFailed({"file": [_l("Filen är inte en CSV- eller Excel-fil (xlsx).")]})
    try:
        inspect_extract(data, limits)
    except ExtractRefused as refused:
        if refused.reason == "bytes" and stream.seekable():  # the whole upload's size, not what we read
            refused.found = stream.seek(0, io.SEEK_END)
        raise ValidationFailed({"file": [refusal_message(refused)]}) from None
    return data


def keep_pending(data: bytes) -> StoredObject:
    """Keep a previewed extract until the person applies it (or for PENDING_MAX_AGE)."""
    storage = pending_storage(current_app.config)
    storage.prune_older_than(PENDING_MAX_AGE)
    return storage.save(io.BytesIO(data))


def load_pending(key: str, sha256: str) -> bytes:
    """The pending file, if the key and digest the page posted back still name it."""
    try:
        with pending_storage(current_app.config).open(key) as fh:
            data = fh.read()
    except UnknownKey:
        raise ValidationFailed({"file": [_l(
            "Den uppladdade filen finns inte längre; ladda upp den igen.")]}) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValidationFailed({"file": [_l("Filen har ändrats sedan förhandsgranskningen; ladda upp den igen.")]})
    return data


def _provider_outcome(rows: list[PlannedRow]) -> tuple[CheckOutcome, str]:
    lapsed = [p for p in rows if p.after in _LAPSED and p.before not in _LAPSED | {LicenceStatus.REVOCATION_APPEALED}]
    disagree = [p for p in rows if p.row.status == "valid" and p.after != LicenceStatus.VALID]
    parts = [f"{p.row.kind_text} ({p.row.reference or '–'}): {p.row.status_text}" for p in rows]
    listing = "; ".join(parts)
    if lapsed:
        return CheckOutcome.FAIL, _("Registerutdrag från IVO visar tillstånd som upphört eller "
                                    "återkallats: %(rows)s.", rows=listing)
    if disagree:
        return CheckOutcome.CONCERN, _("Registerutdrag från IVO visar gällande tillstånd som vi har "
                                       "registrerat som upphört eller återkallat: %(rows)s.", rows=listing)
    return CheckOutcome.PASS, _("Registerutdrag från IVO bekräftar: %(rows)s.", rows=listing)


def _applied(key: str) -> bool:
    return db.session.scalar(select(EvidenceDocument.id).where(EvidenceDocument.storage_key == key)) is not None


def apply_import(key: str, sha256: str, filename: str | None) -> dict[str, int]:
    """Apply the plan for the pending file; returns counts for the confirmation message.

    Raises :class:`AlreadyApplied` when this upload was (or is just being) applied by another
    request; the caller rolls back."""
    if _applied(key):
        raise AlreadyApplied
    try:
        data = load_pending(key, sha256)
    except ValidationFailed:
        if _applied(key):  # the apply that won removed the pending file after its commit
            raise AlreadyApplied from None
        raise
    plan = plan_import(data, filename)
    if plan.problems:
        raise ValidationFailed({"file": plan.problems})
    content_type = XLSX if sniff_extract_type(data[:16]) == XLSX else CSV
    with force_locale("sv"):
        description = _("Registerutdrag från IVO")
    try:
        with db.session.begin_nested():  # the claim: a parallel apply waits here, then fails
            document = services.add_document_row(key, len(data), sha256, content_type, filename, None,
                                                 description)
    except IntegrityError:
        raise AlreadyApplied from None
    stored = evidence_storage(current_app.config).put(key, io.BytesIO(data))
    now = utcnow()
    per_provider: dict[int, list[PlannedRow]] = defaultdict(list)
    changed = 0
    for planned in plan.matched:
        outcome = apply_register_answer(planned.licence, planned.row.status,
                                        method=VerificationMethod.IVO_EXTRACT, verified_at=now,
                                        evidence_document_id=document.id)
        changed += outcome.changed
        per_provider[planned.provider.id].append(planned)
    actor = current_actor()
    policies = queries.policy_intervals()
    providers = {p.id: p for p in plan.providers}
    for provider_id, rows in per_provider.items():
        provider = providers[provider_id]
        with force_locale("sv"):  # stored data is Swedish, whatever the user's screen language
            result, summary = _provider_outcome(rows)
        days = queries.interval_days(provider.kinds, CheckType.IVO_REGISTER, policies)
        db.session.add(BackgroundCheck(
            provider_id=provider_id, check_type=CheckType.IVO_REGISTER, performed_at=now,
            performed_by_id=actor.user_id, performed_by_label=actor.label[:254], automatic=False,
            result=result, summary=summary, evidence_document_id=document.id,
            response_sha256=stored.sha256,
            details={"source": "ivo_extract", "lines": [p.row.line_no for p in rows],
                     "licences": {str(p.licence.id): p.row.status for p in rows}},
            next_due_on=clock.today(now) + timedelta(days=days),
        ))
    db.session.flush()
    return {"verified": len(plan.matched), "changed": changed, "providers": len(per_provider),
            "unmatched": len(plan.unmatched), "errors": len(plan.errors)}


def discard_pending(key: str) -> None:
    """Called once the import is committed: the file now lives on as an evidence document."""
    pending_storage(current_app.config).delete(key)
