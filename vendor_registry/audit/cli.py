"""`flask audit list`: the audit log for scripts and for reading on the server."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from vendor_registry.audit import queries
from vendor_registry.extensions import db

audit_cli = AppGroup("audit", help="Read the audit log.")


@audit_cli.command("list")
@click.option("--entity", "entity_type", default="", help="table name, e.g. providers, licences, flags")
@click.option("--id", "entity_id", default="", help="the record's id")
@click.option("--actor", default="", help="part of the actor's e-mail or job name")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD (Stockholm)")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
def audit_list(entity_type: str, entity_id: str, actor: str, since, limit: int) -> None:
    """One event per line: time (UTC), actor, action, entity, id, changed fields as JSON."""
    filters = queries.AuditFilters(entity_type=entity_type, entity_id=entity_id, actor=actor,
                                   date_from=since.date() if since else None)
    for event in db.session.scalars(queries.audit_query(filters).limit(limit)):
        changes = json.dumps(event.changes, ensure_ascii=False, sort_keys=True)
        click.echo("\t".join([event.occurred_at.isoformat(timespec="seconds"), event.actor_label, event.action,
                              event.entity_type, event.entity_id, changes]))



