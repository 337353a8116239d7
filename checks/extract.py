"""Pure parser for an IVO register extract (CSV or XLSX) as IVO sends it on request.

A person imports the file; the app shows a dry run (matched, unmatched, changed) before
anything is written. This module only turns bytes into rows and says, in Swedish, what is
wrong with each row and with the file. Columns are found by header text with exactly the
rules the register-page parser uses (:func:`checks.ivo_parse.match_headers`), so a column
renamed or moved by IVO is read the same way in both places.

Bounds come first (:mod:`checks.extract_limits`): a file over a limit, or an XLSX file with a
DTD or entities in its XML, raises ``ExtractRefused`` instead of being reported row by row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checks.base import normalise_org_number
from checks.extract_limits import (
    DEFAULT_LIMITS,
    HEADER_ALLOWANCE,
    ExtractLimits,
    ExtractRefused,
    inspect_extract,
    is_zip,
    require_defused_xml,
)
from checks.ivo_parse import (
    HeaderMatch,
    map_kind,
    map_status,
    match_headers,
    missing_headers_message,
    parse_date,
)

__all__ = ["ExtractLimits", "ExtractRefused", "ExtractResult", "ExtractRow", "parse_extract"]

HEADER_SEARCH_ROWS = HEADER_ALLOWANCE  # IVO's files may start with a title and a date line
_DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class ExtractRow:
    line_no: int  # 1-based line (CSV) or row (XLSX) number in the file, as a person sees it
    org_number: str | None
    name: str
    kind: str | None
    kind_text: str
    decided_on: date | None
    status: str
    status_text: str
    reference: str | None
    errors: list[str] = field(default_factory=list)
    scope_text: str = ""  # the target group, when the file has a column for it apart from the kind

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ExtractResult:
    rows: list[ExtractRow]
    problems: list[str]  # file-level: when not empty, no row should be imported
    file_format: str  # "csv" | "xlsx" | "unknown"
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _is_xlsx(data: bytes, filename: str | None) -> bool:
    if filename and filename.lower().endswith((".xlsx", ".xlsm")):
        return True
    return is_zip(data)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else cp1252 as older Excel exports use."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _row_cap(limits: ExtractLimits) -> int:
    """Rows read at most (data rows, the header and the lines above it) before refusing."""
    return limits.max_rows + HEADER_SEARCH_ROWS + 1


def _csv_rows(data: bytes, limits: ExtractLimits) -> list[tuple[int, list[Any]]]:
    text = _decode(data)
    lines = text.splitlines()
    delimiter = None
    if lines and lines[0].lower().startswith("sep=") and len(lines[0]) >= 5:
        delimiter = lines[0][4]  # Excel's "sep=;" hint line
        text = "\n".join(lines[1:])
        offset = 1
    else:
        offset = 0
    if delimiter is None:
        sample = [line for line in lines[:HEADER_SEARCH_ROWS] if line.strip()]
        counts = {d: sum(line.count(d) for line in sample) for d in _DELIMITERS}
        delimiter = max(_DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    cap = _row_cap(limits)
    for row in reader:  # lines were counted before; this also catches CR-only line ends
        if len(rows) >= cap:
            raise ExtractRefused("rows", limits.max_rows)
        rows.append((reader.line_num + offset, row))
    return rows


def _xlsx_rows(data: bytes, limits: ExtractLimits) -> list[tuple[int, list[Any]]]:
    """Read-only (rows streamed, never the whole sheet in memory) and through defusedxml."""
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook  # imported here: only extract imports need it

    require_defused_xml()
    cap = _row_cap(limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            declared = sheet.max_row  # the sheet's own <dimension>, read without the rows
            if declared is not None and declared > cap:
                raise ExtractRefused("rows", limits.max_rows, declared)
            rows = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > cap:  # the dimension may be missing or lie
                    raise ExtractRefused("rows", limits.max_rows)
                rows.append((number, list(values)))
            return rows
        finally:
            workbook.close()
    except ExtractRefused:
        raise
    except Exception as exc:  # openpyxl wraps a parser error in its own ValueError
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, DefusedXmlException):
                raise ExtractRefused("xml") from exc
            cause = cause.__cause__ or cause.__context__
        raise


def _cell(row: list[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return None
    return row[index]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores an org number typed as a number as a float
    return " ".join(str(value).split())


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int | None, HeaderMatch | None]:
    best: HeaderMatch | None = None
    for position, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        match = match_headers([_text(v) for v in row])
        if match.complete:
            return position, match
        if best is None or len(match.columns) > len(best.columns):
            best = match
    return None, best


def _parse_row(line_no: int, row: list[Any], columns: dict[str, int]) -> ExtractRow:
    errors: list[str] = []
    raw_org = _text(_cell(row, columns["org_number"]))
    org_number = normalise_org_number(raw_org)
    if org_number is None:
        errors.append(f"Ogiltigt organisationsnummer: {raw_org!r}." if raw_org
                      else "Organisationsnummer saknas.")
    raw_date = _cell(row, columns["decided_on"])
    decided_on = None
    if isinstance(raw_date, (int, float)) and not isinstance(raw_date, bool):
        errors.append(f"Okänt datumformat: {_text(raw_date)!r}.")
    else:
        try:
            decided_on = parse_date(raw_date)
        except ValueError:
            errors.append(f"Okänt datumformat: {_text(raw_date)!r}.")
        except (TypeError, OverflowError):
            errors.append("Okänt datumformat.")
    kind_text = _text(_cell(row, columns["kind_text"]))
    kind = map_kind(kind_text)
    if kind is None:
        errors.append(f"Okänd verksamhetsform: {kind_text!r}." if kind_text
                      else "Verksamhetsform saknas.")
    status_text = _text(_cell(row, columns["status"]))
    status = map_status(status_text)
    if status == "unknown":
        errors.append(f"Okänd status: {status_text!r}." if status_text else "Status saknas.")
    reference = _text(_cell(row, columns.get("reference"))) or None
    return ExtractRow(
        line_no=line_no,
        org_number=org_number,
        name=_text(_cell(row, columns["name"])),
        kind=kind,
        kind_text=kind_text,
        decided_on=decided_on,
        status=status,
        status_text=status_text,
        reference=reference,
        errors=errors,
        scope_text=_text(_cell(row, columns.get("scope_text"))),
    )


def parse_extract(data: bytes, filename: str | None = None,
                  limits: ExtractLimits = DEFAULT_LIMITS) -> ExtractResult:
    """Rows of an extract file with per-row errors, plus file-level problems.

    An unreadable file is a problem in the result, so the import page can show it to the
    person who uploaded the file. A file over ``limits`` (or an XLSX file with XML entities)
    raises ``ExtractRefused``: it is refused as a whole, before or while it is read.
    """
    if not data:
        return ExtractResult([], ["Filen är tom."], "unknown")
    inspect_extract(data, limits)
    file_format = "xlsx" if _is_xlsx(data, filename) else "csv"
    try:
        rows = _xlsx_rows(data, limits) if file_format == "xlsx" else _csv_rows(data, limits)
    except ExtractRefused:
        raise
    except csv.Error as exc:
        return ExtractResult([], [f"Filen kunde inte läsas som CSV-fil ({exc})."], file_format)
    except Exception as exc:  # noqa: BLE001 - a corrupt upload is reported, never raised
        kind = "Excel-fil" if file_format == "xlsx" else "CSV-fil"
        return ExtractResult([], [f"Filen kunde inte läsas som {kind} ({type(exc).__name__})."],
                             file_format)

    position, match = _find_header(rows)
    if position is None or match is None:
        if match is not None and match.columns:
            problem = missing_headers_message(match.missing)
        else:
            problem = "Ingen rubrikrad med registrets kolumner hittades i filen."
        return ExtractResult([], [problem], file_format)

    parsed = []
    for line_no, row in rows[position + 1:]:
        if not any(_text(v) for v in row):
            continue
        parsed.append(_parse_row(line_no, row, match.columns))
    if len(parsed) > limits.max_rows:  # exact, now that the header row is known
        raise ExtractRefused("rows", limits.max_rows, len(parsed))
    problems = [] if parsed else ["Filen innehåller inga datarader."]
    return ExtractResult(parsed, problems, file_format, dict(match.columns))
