"""``flask organisations``: the installation's organisations (set-up, not daily work)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db

organisations_cli = AppGroup("organisations", help="Manage the organisations sharing this installation.")
CLI_ACTOR = Actor("system", "cli")


def _first_message(exc: ValidationFailed) -> str:
    return next((str(m) for messages in exc.errors.values() for m in messages), str(exc))


@organisations_cli.command("create")
@click.argument("name")
def organisations_create(name: str) -> None:
    """Add an organisation; then `flask users create --organisation NAME` gives it an admin."""
    from vendor_registry.organisations import services

    with acting_as(CLI_ACTOR):
        try:
            organisation = services.create_organisation(name)
        except ValidationFailed as exc:
            raise click.ClickException(_first_message(exc)) from exc
        db.session.commit()
    click.echo(f"created organisation {organisation.id}: {organisation.name}")


@organisations_cli.command("list")
def organisations_list() -> None:
    from vendor_registry.organisations.queries import all_organisations

    for organisation in all_organisations():
        click.echo(f"{organisation.id}\t{organisation.name}\t{'active' if organisation.active else 'inactive'}")


@organisations_cli.command("rename")
@click.argument("organisation")
@click.argument("name")
def organisations_rename(organisation: str, name: str) -> None:
    """Rename an organisation given by id or current name (the first one is "Kommunen")."""
    from vendor_registry.organisations import services
    from vendor_registry.organisations.queries import find_organisation

    found = find_organisation(organisation)
    if found is None:
        raise click.ClickException(f"no organisation {organisation}")
    with acting_as(CLI_ACTOR):
        try:
            services.rename_organisation(found, name)
        except ValidationFailed as exc:
            raise click.ClickException(_first_message(exc)) from exc
        db.session.commit()
    click.echo(f"renamed organisation {found.id}: {found.name}")
