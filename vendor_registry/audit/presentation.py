"""The audit log as people read it: names instead of ids, Swedish instead of codes.

An event stores table and column names, codes and ids, which keeps it exact and independent of
later renames. This module turns a page of events into rows a supervisor can read — "Tillstånd:
Skyddat boende, IVO 3.5.1-12/2025" for "licences 14", "Godkänd" for ``approved``, the person's
name for a user id — with a fixed number of statements whatever the number of events: one per
kind of record on the page (the records themselves), one per kind of record they point to.
The audit page, the provider page's "Ändringslogg" and the CSV export all use it.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Boolean, Date, Numeric, select
from sqlalchemy.orm import Mapper

from vendor_registry import clock
from vendor_registry.audit.labels import (
    CODE_LISTS,
    action_label,
    entity_label,
    field_label,
)
from vendor_registry.audit.listener import REDACTED, SKIPPED_FIELDS, _plain
from vendor_registry.audit.models import AuditEvent
from vendor_registry.codes import COUNTIES, CheckType, JobName, LicenceKind
from vendor_registry.database import CodeList, UTCDateTime
from vendor_registry.extensions import db
from vendor_registry.labels import enum_label, label

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

#: The fields that name a record of each table, in order (joined with ", ").
TITLE_FIELDS: dict[str, tuple[str, ...]] = {
    "licences": ("kind", "form", "ivo_reference"),
    "contracts": ("reference", "kind"),
    "provider_methods": ("method_id",),
    "background_checks": ("check_type", "performed_at"),
    "reviews": ("kind", "performed_on"),
    "review_actions": ("description", "deadline"),
    "flags": ("rule", "severity"),
    "approval_events": ("from_status", "to_status"),
    "evidence_documents": ("original_filename",),
    "users": ("name", "email"),
    "api_tokens": ("name", "prefix"),
    "methods": ("name",),
    "service_areas": ("name_sv",),
    "check_policies": ("provider_kind", "check_type"),
    "demand_profiles": ("name",),
    "requirements": ("kind", "value"),
    "flag_rule_states": ("rule",),
    "organisations": ("name",),
}


#: A flag's subject key (``licence:14``, ``check:insurance``) -> the table or vocabulary it names.
SUBJECT_REFERENCES: dict[str, str] = {"licence": "licences", "contract": "contracts", "method": "methods",
                                      "review_action": "review_actions"}
SUBJECT_CODES: dict[str, type] = {"check": CheckType, "licence_kind": LicenceKind}


def _subject(value: str) -> tuple[str, str]:
    prefix, _sep, rest = str(value).partition(":")
    return prefix, rest


@dataclass
class ChangeView:
    field: str
    label: str
    before: str
    after: str


@dataclass
class EventView:
    event: AuditEvent
    when: str
    actor: str
    action: str
    entity: str
    record: str
    provider_id: int | None
    provider: str
    changes: list[ChangeView] = field(default_factory=list)


@dataclass(frozen=True)
class _Column:
    kind: str  # enum | codes | bool | datetime | date | money | fk | json | county | text
    target: Any = None  # enum class, code vocabulary or referenced table


@lru_cache(maxsize=1)
def _mappers() -> dict[str, Mapper]:
    from vendor_registry.database import Base

    return {m.local_table.name: m for m in Base.registry.mappers if m.local_table is not None}


@lru_cache(maxsize=256)
def _column(table: str, key: str) -> _Column:
    mapper = _mappers().get(table)
    prop = mapper.column_attrs.get(key) if mapper is not None else None
    if prop is None:
        return _Column("text")
    if key == "subject_key":
        return _Column("subject")
    column = prop.columns[0]
    foreign = next(iter(column.foreign_keys), None)
    kind = column.type
    if foreign is not None:
        return _Column("fk", foreign.column.table.name)
    if getattr(kind, "enum_class", None) is not None:
        return _Column("enum", kind.enum_class)
    if isinstance(kind, CodeList):
        return _Column("codes", CODE_LISTS.get(key))
    if isinstance(kind, UTCDateTime):
        return _Column("datetime")
    if isinstance(kind, Boolean):
        return _Column("bool")
    if isinstance(kind, Date):
        return _Column("date")
    if isinstance(kind, Numeric) and key.startswith("price"):
        return _Column("money")
    if key == "county":
        return _Column("county")
    if kind.__class__.__name__ == "JSON":
        return _Column("json")
    return _Column("text")


def format_moment(value: datetime | str | None) -> str:
    """A stored UTC moment as Stockholm wall-clock time, to the second."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        return value.strftime(TIME_FORMAT)
    return value.astimezone(clock.STOCKHOLM).strftime(TIME_FORMAT)


class _Names:
    """Names of referenced records, loaded per table with one ``IN`` query each."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[Any]] = defaultdict(set)
        self.rows: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def want(self, table: str, key: Any) -> None:
        if key is not None and str(key) not in self.rows[table]:
            self.wanted[table].add(key)

    def load(self) -> None:
        for table, keys in list(self.wanted.items()):
            mapper = _mappers().get(table)
            if mapper is None or not keys or len(mapper.primary_key) != 1:
                continue
            pk = mapper.primary_key[0]
            python_type = int if pk.type.python_type is int else str
            try:
                values = sorted({python_type(k) for k in keys})
            except (TypeError, ValueError):
                values = sorted({python_type(k) for k in keys if str(k).isdigit()})
            if not values:
                continue
            attrs = [mapper.get_property_by_column(pk).key] + [
                prop.key for prop in mapper.column_attrs if prop.key in _title_fields(table)]
            stmt = select(*[getattr(mapper.class_, a) for a in attrs]).where(pk.in_(values))
            for row in db.session.execute(stmt):
                plain = {a: _plain(v) for a, v in zip(attrs, row, strict=True)}
                self.rows[table][str(row[0])] = plain
        self.wanted.clear()

    def title(self, table: str, key: Any) -> str | None:
        values = self.rows[table].get(str(key))
        return None if values is None else record_title(table, values, self)


def _title_fields(table: str) -> tuple[str, ...]:
    if table == "providers":
        return ("name", "org_number")
    return TITLE_FIELDS.get(table, ())


def record_title(table: str, values: dict[str, Any], names: _Names | None = None) -> str:
    """What a record is called, from its (plain) values: the provider's name and org number,
    a licence's kind and reference, a person's name…"""
    if table == "providers":
        from vendor_registry.providers.models import format_org_number

        name, number = values.get("name"), values.get("org_number")
        if name and number:
            return f"{name} ({format_org_number(number)})"
        return name or (format_org_number(number) if number else "")
    parts = [format_value(table, key, values.get(key), names) for key in TITLE_FIELDS.get(table, ())]
    return ", ".join(p for p in parts if p and p != "–")


def format_value(table: str, key: str, value: Any, names: _Names | None = None) -> str:
    """One stored value (as the log keeps it: codes, ISO dates, ids) in words."""
    if value is None or value == "" or value == []:
        return "–"
    if value == REDACTED:
        return _("(dolt)")
    column = _column(table, key)
    if column.kind == "enum":
        return enum_label(column.target, str(value))
    if column.kind == "codes":
        items = value if isinstance(value, list) else [value]
        if column.target is not None:
            return ", ".join(enum_label(column.target, str(v)) for v in items)
        return ", ".join(COUNTIES.get(str(v), str(v)) for v in items)
    if column.kind == "bool":
        return _("Ja") if value else _("Nej")
    if column.kind == "datetime":
        return format_moment(value)
    if column.kind == "county":
        return label(str(value))
    if column.kind == "money":
        from vendor_registry.formatting import format_sek

        try:
            return format_sek(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if column.kind == "fk":
        found = names.title(column.target, value) if names is not None else None
        return found or f"{entity_label(column.target)} {value}"
    if column.kind == "subject":
        prefix, rest = _subject(value)
        if prefix in SUBJECT_REFERENCES:
            target = SUBJECT_REFERENCES[prefix]
            found = names.title(target, rest) if names is not None else None
            return f"{entity_label(target)}: {found or rest}"
        if prefix in SUBJECT_CODES:
            return enum_label(SUBJECT_CODES[prefix], rest)
        return _("Utföraren") if prefix == "provider" else str(value)
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else value
    if isinstance(value, Enum):
        return label(value)
    return str(value)


def _other_organisation(event: AuditEvent) -> int | None:
    """The actor's organisation when it is not the reader's: a change to a shared record made by
    another organisation, shown by that organisation's name, never by its person (issue 14)."""
    from vendor_registry.audit.visibility import reading_scope

    reader = reading_scope()
    actor_org = event.actor_organisation_id
    return actor_org if actor_org is not None and reader is not None and actor_org != reader else None


def actor_text(event: AuditEvent, names: _Names) -> str:
    """A person by name (and e-mail), a job by its Swedish name, the command line as such; a
    person of another organisation by that organisation's name."""
    other = _other_organisation(event)
    if other is not None:
        organisation = names.title("organisations", other) or _("Organisation %(id)s", id=other)
        text = _("%(organisation)s (annan organisation)", organisation=organisation)
        return _("%(person)s via API", person=text) if event.actor_kind == "api" else text
    if event.actor_kind == "job":
        code = event.actor_label.removeprefix("job:")
        return _("Schemalagt jobb: %(job)s", job=enum_label(JobName, code))
    if event.actor_kind == "system":
        return _("Kommandoraden") if event.actor_label == "cli" else _("Systemet")
    person = names.rows["users"].get(str(event.actor_user_id)) if event.actor_user_id else None
    text = f"{person['name']} ({person['email']})" if person else event.actor_label
    return _("%(person)s via API", person=text) if event.actor_kind == "api" else text


def present(events: Iterable[AuditEvent]) -> list[EventView]:
    """Rows to show for ``events`` (in their order), with a constant number of statements."""
    events = list(events)
    names = _Names()
    for event in events:
        names.want(event.entity_type, event.entity_id)
        if event.provider_id is not None:
            names.want("providers", event.provider_id)
        if _other_organisation(event) is not None:
            names.want("organisations", event.actor_organisation_id)
        elif event.actor_user_id is not None and event.actor_kind in ("user", "api"):
            names.want("users", event.actor_user_id)
        for key, pair in (event.changes or {}).items():
            column = _column(event.entity_type, key)
            if column.kind == "fk" and isinstance(pair, list):
                for value in pair:
                    names.want(column.target, value)
            elif column.kind == "subject" and isinstance(pair, list):
                for value in pair:
                    prefix, rest = _subject(value or "")
                    if prefix in SUBJECT_REFERENCES:
                        names.want(SUBJECT_REFERENCES[prefix], rest)
    names.load()
    # Second round: what the records' own names point to (a method offered names the method).
    known = _known_values(events)
    for event in events:
        values = names.rows[event.entity_type].get(event.entity_id) or known.get((event.entity_type, event.entity_id), {})
        for key in TITLE_FIELDS.get(event.entity_type, ()):
            column = _column(event.entity_type, key)
            if column.kind == "fk":
                names.want(column.target, values.get(key))
    names.load()
    return [_view(event, names, known) for event in events]


def _known_values(events: list[AuditEvent]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last values the log itself knows of each record: names deleted records by what they were."""
    known: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for event in reversed(events):  # oldest first, so later values win
        for key, pair in (event.changes or {}).items():
            if isinstance(pair, list) and len(pair) == 2:
                known[(event.entity_type, event.entity_id)][key] = pair[1] if event.action != "delete" else pair[0]
    return known


def _view(event: AuditEvent, names: _Names, known: dict[tuple[str, str], dict[str, Any]]) -> EventView:
    record = names.title(event.entity_type, event.entity_id)
    if not record:
        values = known.get((event.entity_type, event.entity_id), {})
        record = record_title(event.entity_type, values, names) if values else ""
    provider = names.title("providers", event.provider_id) if event.provider_id is not None else None
    changes = [
        ChangeView(key, field_label(event.entity_type, key),
                   format_value(event.entity_type, key, pair[0], names),
                   format_value(event.entity_type, key, pair[1], names))
        for key, pair in sorted((event.changes or {}).items(), key=lambda item: _field_order(event.entity_type, item[0]))
        if key not in SKIPPED_FIELDS and isinstance(pair, list) and len(pair) == 2
    ]
    return EventView(
        event=event,
        when=format_moment(event.occurred_at),
        actor=actor_text(event, names),
        action=action_label(event.action),
        entity=entity_label(event.entity_type),
        record=record or f"{entity_label(event.entity_type)} {event.entity_id}",
        provider_id=event.provider_id,
        provider=provider or "",
        changes=changes,
    )


def _field_order(table: str, key: str) -> int:
    mapper = _mappers().get(table)
    keys = [prop.key for prop in mapper.column_attrs] if mapper is not None else []
    return keys.index(key) if key in keys else len(keys)
