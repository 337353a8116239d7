"""The match result as a document for the case file: CSV (Excel-friendly) and a printable page.

Every row repeats the profile name, its version and the date, so a single row pasted into a
decision still says which requirement set it was measured against. Semicolons and a UTF-8 BOM
are what Swedish Excel opens without an import dialog.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import gettext as _

from vendor_registry.demand.matching import MatchResult
from vendor_registry.demand.requirements import describe
from vendor_registry.text import spreadsheet_cell


def header() -> list[str]:
    return [_("Kravprofil"), _("Version"), _("Datum"), _("Placering"), _("Organisationsnummer"), _("Utförare"),
            _("Resultat"), _("Poäng"), _("Uppfyllda bör-krav"), _("Ej uppfyllda bör-krav"), _("Varningar"),
            _("Skäl till att utföraren inte matchar")]


def rows(result: MatchResult, meta: dict[str, Any]) -> list[list[str]]:
    common = [meta.get("profile_name") or "", str(meta.get("profile_version") or ""), meta.get("today") or ""]
    out = []
    for n, item in enumerate(result.included, start=1):
        out.append([*common, str(n), item.provider.org_number_display, item.provider.name, _("Matchar"),
                    str(item.score), " | ".join(item.met), " | ".join(item.unmet), " | ".join(item.warnings), ""])
    for item in result.excluded:
        out.append([*common, "", item.provider.org_number_display, item.provider.name, _("Matchar inte"),
                    "", "", "", "", " | ".join(item.reasons)])
    return out


def to_csv(result: MatchResult, meta: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header())
    for row in rows(result, meta):
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    writer.writerow([])
    writer.writerow([_("Krav")])
    for req in result.requirements:
        kind = _("Ska-krav") if req.mandatory else _("Bör-krav, vikt %(w)s", w=req.weight)
        writer.writerow([spreadsheet_cell(describe(req)), kind])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
