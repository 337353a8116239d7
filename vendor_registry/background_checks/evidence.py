"""Reads about a provider's evidence documents, shared by the provider page, the forms that
link a licence, review or check to a document, and the download view.

Who may see a document follows what it supports (DOMAIN §5): a person who may see
background-check details sees every document of the provider; anyone else (a social worker)
sees only documents that support a licence or a review and no background check. A document
supporting nothing yet is treated like check material until someone links it.

The list costs the same four statements whatever the number of documents or links.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vendor_registry.auth.models import User
from vendor_registry.auth.permissions import sees_check_details
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence
from vendor_registry.reviews.models import Review

#: The newest documents shown on the provider page (automatic checks add one per answer).
EVIDENCE_LIST_LIMIT = 200


@dataclass
class EvidenceRow:
    document: EvidenceDocument
    uploaded_by: str | None
    checks: list[BackgroundCheck] = field(default_factory=list)
    licences: list[Licence] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)

    @property
    def supports_anything(self) -> bool:
        return bool(self.checks or self.licences or self.reviews)


def sees_check_evidence(user: Any) -> bool:
    return sees_check_details(user)


def _visible(row: EvidenceRow, user: Any) -> bool:
    return sees_check_evidence(user) or (not row.checks and bool(row.licences or row.reviews))


def _links(ids: list[int]) -> tuple[list[BackgroundCheck], list[Licence], list[Review]]:
    checks = list(db.session.scalars(select(BackgroundCheck).where(BackgroundCheck.evidence_document_id.in_(ids))
                                     .order_by(BackgroundCheck.performed_at.desc())))
    licences = list(db.session.scalars(select(Licence).where(Licence.evidence_document_id.in_(ids))
                                       .order_by(Licence.id)))
    reviews = list(db.session.scalars(select(Review).where(Review.evidence_document_id.in_(ids))
                                      .order_by(Review.performed_on.desc())))
    return checks, licences, reviews


def _rows(documents: Iterable[tuple[EvidenceDocument, str | None]]) -> list[EvidenceRow]:
    rows = [EvidenceRow(document, name) for document, name in documents]
    by_id = {row.document.id: row for row in rows}
    if not by_id:
        return []
    checks, licences, reviews = _links(list(by_id))
    for check in checks:
        by_id[check.evidence_document_id].checks.append(check)
    for licence in licences:
        by_id[licence.evidence_document_id].licences.append(licence)
    for review in reviews:
        by_id[review.evidence_document_id].reviews.append(review)
    return rows


def evidence_for_provider(provider_id: int, user: Any) -> list[EvidenceRow]:
    """The provider's documents ``user`` may see, newest first, with what each supports."""
    stmt = (select(EvidenceDocument, User.name).outerjoin(User, User.id == EvidenceDocument.uploaded_by_id)
            .where(EvidenceDocument.provider_id == provider_id)
            .order_by(EvidenceDocument.uploaded_at.desc(), EvidenceDocument.id.desc())
            .limit(EVIDENCE_LIST_LIMIT))
    return [row for row in _rows(db.session.execute(stmt).all()) if _visible(row, user)]


def may_download(document: EvidenceDocument, user: Any) -> bool:
    if sees_check_evidence(user):
        return True
    rows = _rows([(document, None)])
    return bool(rows) and _visible(rows[0], user)


def document_label(document: EvidenceDocument) -> str:
    name = document.original_filename or str(_l("Underlag nr %(id)s", id=document.id))
    stamp = document.uploaded_at.date().isoformat() if document.uploaded_at else ""
    details = ", ".join(part for part in (document.description, stamp) if part)
    return f"{name} ({details})" if details else name


def document_choices(provider_id: int, user: Any, current_id: int | None = None) -> list[tuple[str, str]]:
    """Options for "Underlag (fil)" in a form: the documents ``user`` may see, plus the one the
    record already points to (so saving the form unchanged never drops the link)."""
    rows = evidence_for_provider(provider_id, user)
    options = [(str(row.document.id), document_label(row.document)) for row in rows]
    if current_id is not None and all(value != str(current_id) for value, _label in options):
        options.append((str(current_id), str(_l("Underlag nr %(id)s", id=current_id))))
    return [("", str(_l("Ingen fil")))] + options


def check_document_belongs(provider_id: int, document_id: Any) -> int | None:
    """The id of a document of this provider, or None for no document; raises ValueError for a
    document of another provider or none at all."""
    if document_id in (None, ""):
        return None
    document = db.session.get(EvidenceDocument, int(document_id))
    if document is None or document.provider_id != provider_id:
        raise ValueError(document_id)
    return document.id
