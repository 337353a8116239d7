"""Where evidence files live: outside the web root, under names the server chooses.

A stored file is only ever reached through its EvidenceDocument row and a permission-checked
download view, so the storage knows nothing about users or providers. It is a small
interface so that a municipality can later put the files in an object store; the local
folder implementation is the one shipped.

File types are decided by the first bytes of the content, never by the uploaded name: a
".pdf" that is really an executable must not be served later as a PDF.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from werkzeug.exceptions import RequestEntityTooLarge

CHUNK = 64 * 1024
KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: What a person may upload as evidence (certificates, e-mail replies printed to PDF, scans):
#: the types the content can prove, of which ``EVIDENCE_ALLOWED_TYPES`` allows some or all.
DOCUMENT_TYPES = frozenset({PDF, PNG, JPEG})
TYPE_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", CSV: "csv", XLSX: "xlsx",
              "text/html": "html", "application/json": "json", "text/plain": "txt"}


class TooLarge(RequestEntityTooLarge):
    """The stream exceeded the configured maximum; nothing was kept. An HTTP 413 by itself, so
    the one save step rolls back and the error page answers."""


class UnknownKey(Exception):
    """No stored object has this key (or the key is not one we could have generated)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


class EvidenceStorage(Protocol):
    def save(self, stream: BinaryIO) -> StoredObject: ...

    def put(self, key: str, stream: BinaryIO) -> StoredObject: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...


def sniff_content_type(head: bytes) -> str | None:
    """The document type the first bytes prove, or None when they prove none we accept."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def sniff_extract_type(head: bytes) -> str | None:
    """XLSX is a zip; a CSV is text (no NUL bytes in what we saw). Anything else is refused."""
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head and b"\x00" not in head and sniff_content_type(head) is None and not head.startswith(b"MZ"):
        return CSV
    return None


def allowed_document_types(config: Mapping[str, object]) -> frozenset[str]:
    """``EVIDENCE_ALLOWED_TYPES``, refused at start when it names a type we cannot prove from
    the content (a type decided by the file name would be no check at all)."""
    configured = config.get("EVIDENCE_ALLOWED_TYPES") or ()
    allowed = frozenset(str(t).strip().lower() for t in configured)  # type: ignore[union-attr]
    unknown = sorted(allowed - DOCUMENT_TYPES)
    if unknown or not allowed:
        raise ValueError(f"EVIDENCE_ALLOWED_TYPES must name some of {sorted(DOCUMENT_TYPES)}, "
                         f"not {unknown or 'nothing'}")
    return allowed


class LocalFolderStorage:
    """Files in one folder, named by a random UUID; written to a temp file, then renamed.

    The rename makes a save atomic: a crash never leaves a half-written file under a key
    that a database row could point to.
    """

    def __init__(self, root: str | os.PathLike[str], max_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key or ""):
            raise UnknownKey(key)
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO) -> StoredObject:
        return self.put(uuid.uuid4().hex, stream)

    def put(self, key: str, stream: BinaryIO) -> StoredObject:
        """Store under a key the caller chose (one this storage could have generated), e.g. a
        pending upload keeping its key as evidence; an existing file of that key is replaced."""
        self._path(key)  # refuse a key we would never have generated
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if self.max_bytes is not None and size > self.max_bytes:
                        raise TooLarge(size)
                    digest.update(chunk)
                    out.write(chunk)
            target = self._path(key)
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return StoredObject(key, size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise UnknownKey(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def prune_older_than(self, seconds: float) -> int:
        """Remove files older than ``seconds`` (used for uploads never applied); returns count."""
        if not self.root.is_dir():
            return 0
        limit = time.time() - seconds
        removed = 0
        for path in self.root.glob("*/*"):
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def evidence_storage(config: Mapping[str, object]) -> LocalFolderStorage:
    """The configured store for evidence documents (``EVIDENCE_STORAGE_DIR``)."""
    return LocalFolderStorage(str(config["EVIDENCE_STORAGE_DIR"]),
                              max_bytes=int(config.get("EVIDENCE_MAX_BYTES") or 20 * 1024 * 1024))


def pending_storage(config: Mapping[str, object]) -> LocalFolderStorage:
    """A separate folder for uploaded register extracts awaiting the person's decision.

    Kept apart so that a key posted back from the dry-run page can only ever name a pending
    upload, never an evidence document already on record.
    """
    return LocalFolderStorage(Path(str(config["EVIDENCE_STORAGE_DIR"])) / "pending",
                              max_bytes=int(config.get("EVIDENCE_MAX_BYTES") or 20 * 1024 * 1024))


def attachment_response(document, config: Mapping[str, object]):
    """A stored document as a download: always an attachment of the type its content proved,
    never rendered in our origin (nosniff, sandboxed by ``security.download_headers``, not
    cached). The page and the API both serve evidence through this, so the protective headers
    cannot drift apart.

    Raises ``UnknownKey`` when the file is missing from storage."""
    from flask import send_file

    stream = evidence_storage(config).open(document.storage_key)
    extension = EXTENSIONS.get(document.content_type, "bin")
    name = document.original_filename or f"underlag-{document.id}"
    if not name.lower().endswith("." + extension):
        name = f"{name}.{extension}"
    response = send_file(stream, mimetype=document.content_type, as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Content-Security-Policy and X-Frame-Options come from the view's ``security.download_headers``
    # (Talisman sets them after the view, so a header set here would be overwritten).
    return response
