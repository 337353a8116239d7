"""The audit log as CSV for supervisors (Swedish Excel: UTF-8 with BOM, ``;``).

Same query and filters as the page, same words as the page (``presentation.present``), read in
keyset batches so an export of a year's log neither loads it all at once nor costs a statement
per event. One line per changed field, so the file can be filtered in a spreadsheet.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _

from vendor_registry.audit import presentation, queries
from vendor_registry.extensions import db
from vendor_registry.text import spreadsheet_cell

BATCH = 500
MAX_EVENTS = 100_000


def header() -> list[str]:
    return [_("Tidpunkt"), _("Utförd av"), _("Åtgärd"), _("Typ av post"), _("Post"), _("Utförare"),
            _("Fält"), _("Före"), _("Efter")]


def rows(filters: queries.AuditFilters) -> Iterator[list[str]]:
    yield header()
    stmt = queries.audit_query(filters)
    last = None
    sent = 0
    while sent < MAX_EVENTS:
        page = list(db.session.scalars((queries.after(stmt, last) if last is not None else stmt).limit(BATCH)))
        if not page:
            return
        for view in presentation.present(page):
            base = [view.when, view.actor, view.action, view.entity, view.record, view.provider]
            if not view.changes:
                yield [*base, "", "", ""]
            for change in view.changes:
                yield [*base, change.label, change.before, change.after]
        sent += len(page)
        if len(page) < BATCH:  # the last page: asking again would only find nothing
            return
        last = page[-1]


def to_csv_chunks(filters: queries.AuditFilters) -> Iterator[bytes]:
    """The file in pieces, for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    for count, row in enumerate(rows(filters), start=1):
        writer.writerow([spreadsheet_cell(value) for value in row])
        if count % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
