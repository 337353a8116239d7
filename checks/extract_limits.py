"""Bounds on an IVO register extract, checked before the file is parsed or stored.

An extract is uploaded by a person, so it is untrusted input. An XLSX file is a zip of XML
files: a few kilobytes can declare gigabytes of XML (a zip bomb), and a crafted sheet made a
worker grow from 220 MB to 655 MB within minutes. So before openpyxl sees a file we read the
zip's central directory only: the number of entries and the sum of their *declared*
uncompressed sizes. The declared size is a real bound, not a promise: Python's ``zipfile``
(which openpyxl reads through) stops every entry at its declared size and fails the CRC check
if the data goes on. A CSV file's lines are counted before the CSV reader runs.

XML entities (billion laughs, external entities) are the other half: openpyxl parses through
``defusedxml`` when it is installed, and :func:`require_defused_xml` refuses to read an XLSX
file at all when it is not.

Everything here is pure (bytes in, an exception out); the app turns :class:`ExtractRefused`
into a Swedish message and stores nothing.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "ExtractLimits", "ExtractRefused", "inspect_extract", "is_zip",
           "require_defused_xml"]

#: Lines before the header row that a file may have (IVO's title and date lines) on top of
#: the data rows; the same allowance as the header search.
HEADER_ALLOWANCE = 10


@dataclass(frozen=True)
class ExtractLimits:
    max_bytes: int = 10_000_000
    max_rows: int = 50_000
    max_uncompressed_bytes: int = 50_000_000
    max_zip_entries: int = 200

    @classmethod
    def from_config(cls, config) -> ExtractLimits:
        return cls(max_bytes=int(config["EXTRACT_MAX_BYTES"]), max_rows=int(config["EXTRACT_MAX_ROWS"]),
                   max_uncompressed_bytes=int(config["EXTRACT_MAX_UNCOMPRESSED_BYTES"]),
                   max_zip_entries=int(config["EXTRACT_MAX_ZIP_ENTRIES"]))


DEFAULT_LIMITS = ExtractLimits()


class ExtractRefused(Exception):
    """The whole file is refused. ``reason`` is one of ``bytes``, ``rows``, ``uncompressed``,
    ``entries``, ``xml`` (a DTD or entity in the XML) or ``unprotected`` (no defusedxml);
    ``limit`` is the bound passed and ``found`` what the file has (when known)."""

    def __init__(self, reason: str, limit: int | None = None, found: int | None = None):
        super().__init__(reason, limit, found)
        self.reason = reason
        self.limit = limit
        self.found = found


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def require_defused_xml() -> None:
    """openpyxl picks defusedxml at import when it is installed (and ``OPENPYXL_DEFUSEDXML``
    is not "False"); without it entity expansion would be left to the stdlib parser."""
    import openpyxl

    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise ExtractRefused("unprotected")


def _inspect_zip(data: bytes, limits: ExtractLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable zip: the parser reports it as an unreadable Excel file
    if len(entries) > limits.max_zip_entries:
        raise ExtractRefused("entries", limits.max_zip_entries, len(entries))
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_uncompressed_bytes:
        raise ExtractRefused("uncompressed", limits.max_uncompressed_bytes, declared)


def inspect_extract(data: bytes, limits: ExtractLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`ExtractRefused` when the file is over a bound; cheap, parses nothing."""
    if len(data) > limits.max_bytes:
        raise ExtractRefused("bytes", limits.max_bytes, len(data))
    if is_zip(data):
        _inspect_zip(data, limits)
        return
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines > limits.max_rows + HEADER_ALLOWANCE + 1:  # + the header row itself
        raise ExtractRefused("rows", limits.max_rows, lines)
