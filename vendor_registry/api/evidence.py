"""/api/v1/providers/{org_number}/evidence and /api/v1/evidence/{id}: evidence documents.

An upload is the file itself as the request body (``application/octet-stream``; the type is
what the first bytes prove, as on the upload page, never the name or the Content-Type), so
no multipart parsing and no JSON base64 inflating the size. The body limit is the evidence
limit, not the API's JSON limit. Downloads carry the same protective headers as the page's.
"""
from __future__ import annotations

import tempfile
from typing import Any, BinaryIO

from flask import abort, current_app, request
from flask_babel import gettext as _

from vendor_registry.api import schemas as s
from vendor_registry.api.auth import api_require
from vendor_registry.api.errors import ApiProblem
from vendor_registry.api.providers import provider_or_404
from vendor_registry.api.registry import make_blueprint, raw_body
from vendor_registry.auth.permissions import Permission
from vendor_registry.background_checks import queries, services
from vendor_registry.background_checks.models import EvidenceDocument
from vendor_registry.background_checks.storage import (
    CHUNK,
    TooLarge,
    UnknownKey,
    attachment_response,
)
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider
from vendor_registry.security import download_headers

bp = make_blueprint("api_evidence", "Underlag: ladda upp och hämta dokument (PDF, PNG, JPEG).")
LIST_LIMIT = 200
_PATH = "/evidence/<id:document_id>"


class EvidenceSchema(s.ApiSchema):
    id = s.Int(required=True)
    provider = s.OrgNumber(required=True, allow_none=True, attribute="provider_org_number")
    filename = s.Text(required=True, allow_none=True, attribute="original_filename",
                      metadata={"description": "Namnet filen hade hos den som laddade upp den."})
    content_type = s.Str(required=True)
    size_bytes = s.Int(required=True)
    sha256 = s.Str(required=True)
    description = s.Str(required=True, allow_none=True)
    uploaded_at = s.DateTime(required=True)
    shared = s.Bool(required=True, metadata={
        "description": "Delat med alla organisationer (tillståndsbevis, källors svar); annars er organisations eget."})


class EvidenceListSchema(s.ApiSchema):
    items = s.List(s.Nested(EvidenceSchema), required=True,
                   metadata={"description": f"Nyaste först, högst {LIST_LIMIT}."})


class UploadQuerySchema(s.QuerySchema):
    filename = s.Str(load_default=None, validate=s.length(255), metadata={"description": "Filens namn (valfritt)."})
    description = s.Str(load_default=None, validate=s.length(300), metadata={"description": "Vad dokumentet visar."})


def _dump(document: EvidenceDocument, org_number: str | None) -> dict[str, Any]:
    return {**{key: getattr(document, key) for key in (
        "id", "original_filename", "content_type", "size_bytes", "sha256", "description", "uploaded_at")},
        "provider_org_number": org_number, "shared": document.organisation_id is None}


def _spooled_body() -> BinaryIO:
    """The request body as a seekable file (the service reads the first bytes, then rewinds),
    in memory up to 1 MiB and on disk beyond; more than the evidence limit is refused."""
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES") or 20 * 1024 * 1024)
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (returned open, closed by the caller)
    size = 0
    while chunk := request.stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise TooLarge(size)
        spool.write(chunk)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _document_or_404(document_id: int) -> EvidenceDocument:
    document = db.session.get(EvidenceDocument, document_id)
    if document is None:
        abort(404)
    return document


@bp.route("/providers/<orgnr:org_number>/evidence", methods=["GET"])
@api_require(Permission.VIEW_CHECK_DETAILS)
@bp.response(200, EvidenceListSchema)
@bp.alt_response(404, response="NOT_FOUND")
def list_evidence(org_number: str):
    """Lista en utförares underlag

    Uppladdade dokument och källornas sparade svar från automatiska kontroller.
    """
    provider = provider_or_404(org_number)
    return {"items": [_dump(document, provider.org_number)
                      for document in queries.evidence_for_provider(provider.id, limit=LIST_LIMIT)]}


_UPLOAD_BODY = {"required": True, "description": "Filen (PDF, PNG eller JPEG; högst EVIDENCE_MAX_BYTES byte).",
                "content": {"application/octet-stream": {"schema": {
                    "type": "string", "format": "binary", s.RULE_EXTENSION: True,
                    "description": "Innehållet ska vara en PDF-, PNG- eller JPEG-fil (innehållet avgör, inte namnet); "
                                   "annars 422 med fältet document."}}}}


@bp.route("/providers/<orgnr:org_number>/evidence", methods=["POST"])
@api_require(Permission.RECORD_CHECK, Permission.EDIT_PROVIDERS)
@bp.arguments(UploadQuerySchema, location="query")
@bp.response(201, EvidenceSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@bp.doc(requestBody=_UPLOAD_BODY)
@raw_body
def upload_evidence(args: dict[str, Any], org_number: str):
    """Ladda upp ett underlag

    Skicka filen som begärans innehåll. Innehållet avgör filtypen, inte namnet: en fil som
    inte är PDF, PNG eller JPEG avvisas. Svaret innehåller dokumentets id.
    """
    provider = provider_or_404(org_number)
    if not request.content_length:
        raise services.ValidationFailed({"body": [_("Skicka filen som begärans innehåll.")]})
    try:
        with _spooled_body() as body:
            document = services.store_document(body, args["filename"], provider_id=provider.id,
                                               description=args["description"])
    except TooLarge as error:
        db.session.rollback()
        raise ApiProblem(413) from error
    db.session.commit()
    return _dump(document, provider.org_number)


@bp.route(_PATH, methods=["GET"])
@api_require(Permission.VIEW_CHECK_DETAILS)
@bp.response(200, EvidenceSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_evidence(document_id: int):
    """Läs uppgifter om ett underlag"""
    document = _document_or_404(document_id)
    provider = db.session.get(Provider, document.provider_id) if document.provider_id else None
    return _dump(document, provider.org_number if provider else None)


_DOWNLOAD = {"200": {"description": "Filen, med den typ dess innehåll har.",
                     "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}}


@bp.route(f"{_PATH}/content", methods=["GET"])
@download_headers
@api_require(Permission.VIEW_CHECK_DETAILS)
@bp.alt_response(404, response="NOT_FOUND")
@bp.doc(responses=_DOWNLOAD)
def download_evidence(document_id: int):
    """Hämta ett underlag

    Som bilaga, med sin egen innehållstyp.
    """
    document = _document_or_404(document_id)
    try:
        return attachment_response(document, current_app.config)
    except UnknownKey:
        abort(404)
