"""The provider list as CSV (Swedish Excel: UTF-8 with BOM, ``;``) and XLSX.

Same query as the page (``provider_query``) with the same filters, and the same per-provider
facts (licence state, open flags, "checks current"), fetched in fixed-size batches. Codes are
written as their Swedish names, organisation numbers as NNNNNN-NNNN, dates as YYYY-MM-DD; every
cell through ``text.spreadsheet_cell`` (no formulas, no characters a file may not hold).
What a role may not see on screen it does not get in a file either: without
Permission.VIEW_CHECK_DETAILS the export has only "checks current yes/no".
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _

from vendor_registry.auth.permissions import sees_check_details
from vendor_registry.background_checks.queries import checks_current_map, latest_checks
from vendor_registry.codes import CheckType, HousingForm, ProviderKind, TargetGroup
from vendor_registry.extensions import db
from vendor_registry.flags.queries import open_flag_counts
from vendor_registry.formatting import format_date
from vendor_registry.labels import enum_label, label
from vendor_registry.licences.queries import licence_state_map
from vendor_registry.providers.models import Provider
from vendor_registry.standing.listing import ProviderFilters, provider_query
from vendor_registry.text import spreadsheet_cell

BATCH = 500


def _codes(enum_cls, values: list[str]) -> str:
    return ", ".join(enum_label(enum_cls, v) for v in values)


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nej")


def headers(with_check_details: bool) -> list[str]:
    columns = [
        _("Namn"), _("Organisationsnummer"), _("Verksamhetstyper"), _("Ägarform"), _("Kommun (säte)"),
        _("Län (säte)"), _("Län där utföraren verkar"), _("Målgrupper"), _("Boendeformer"),
        _("Högsta hotnivå"), _("Insatsområden"), _("Antal platser"), _("Godkännandestatus"),
        _("Status ändrad"), _("Tillstånd"), _("Öppna avvikelser"), _("Varav kritiska"), _("Kontroller aktuella"),
    ]
    if with_check_details:
        for check_type in CheckType:
            columns += [_("%(type)s: resultat", type=label(check_type)), _("%(type)s: datum", type=label(check_type))]
    return columns


def _matching_ids(filters: ProviderFilters):
    """The filter's providers as a SELECT of ids, for the fact maps' ``IN (subquery)``."""
    return provider_query(filters).with_only_columns(Provider.id).order_by(None)


def rows(filters: ProviderFilters, user: Any, area_names: dict[str, str]) -> Iterator[list[Any]]:
    details = sees_check_details(user)
    yield headers(details)
    # The facts for every matching provider, a fixed number of statements whatever their number;
    # then the providers themselves, streamed in the page's order.
    ids = _matching_ids(filters)
    latest = latest_checks(ids)
    licences, flags, current = licence_state_map(ids), open_flag_counts(ids), checks_current_map(ids, latest=latest)
    for p in db.session.scalars(provider_query(filters).execution_options(yield_per=BATCH)):
        row: list[Any] = [
            p.name, p.org_number_display, _codes(ProviderKind, p.kinds), label(p.ownership),
            p.municipality or "", label(p.county), ", ".join(label(c) for c in p.counties_served),
            _codes(TargetGroup, p.target_groups), _codes(HousingForm, p.housing_forms),
            label(p.max_threat_level), ", ".join(area_names.get(a, a) for a in p.service_areas),
            p.capacity if p.capacity is not None else "", label(p.status), format_date(p.status_changed_at),
            licences[p.id].label, flags[p.id].total, flags[p.id].critical, _yes_no(current[p.id]),
        ]
        if details:
            for check_type in CheckType:
                check = latest.get(p.id, {}).get(check_type.value)
                row += [label(check.result), format_date(check.performed_at)] if check else ["", ""]
        yield row


def to_csv(filters: ProviderFilters, user: Any, area_names: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows(filters, user, area_names):
        writer.writerow([spreadsheet_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(filters: ProviderFilters, user: Any, area_names: dict[str, str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Utförare")[:31]
    for index, row in enumerate(rows(filters, user, area_names)):
        sheet.append([spreadsheet_cell(v) for v in row])
        if index == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
