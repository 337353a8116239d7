"""``flask checks run`` and ``flask checks run-due``: automatic checks from the command line.

Output contract, one line per check: ``ORGNR<TAB>TYPE<TAB>RESULT<TAB>summary`` with the
organisation number as ten digits. A ``fail`` or ``error`` result is an outcome, not a
failure of the command: the exit status is 0 unless the command itself could not run.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.codes import CheckType
from vendor_registry.extensions import db
from vendor_registry.providers.queries import get_provider_by_org_number

checks_cli = AppGroup("checks", help="Run automatic background checks.")
CLI_ACTOR = Actor("system", "cli")
AUTOMATIC = [t.value for t in CheckType if t.automatic]


def _line(org_number: str, check_type: str, result: str, summary: str) -> str:
    flat = " ".join((summary or "").split())
    return f"{org_number}\t{check_type}\t{result}\t{flat}"


@checks_cli.command("run")
@click.option("--provider", "org_number", required=True, help="Organisation number (with or without hyphen).")
@click.option("--type", "check_type", type=click.Choice(AUTOMATIC), default=None,
              help="Only this check type (default: every automatic type).")
def run(org_number: str, check_type: str | None) -> None:
    """Run the automatic checks for one provider now, whether due or not."""
    from checks.base import normalise_org_number
    from vendor_registry.background_checks.runner import (
        NOT_CONFIGURED,
        run_checks_for_provider,
    )

    digits = normalise_org_number(org_number)
    provider = get_provider_by_org_number(digits) if digits else None
    if provider is None:
        raise click.ClickException(f"no provider with organisation number {org_number}")
    types = [CheckType(check_type)] if check_type else None
    with acting_as(CLI_ACTOR):
        results = run_checks_for_provider(provider, types)
        db.session.commit()
    for ctype, check in results:
        if check is None:
            click.echo(_line(provider.org_number, ctype.value, NOT_CONFIGURED, "Inte konfigurerad"))
        else:
            click.echo(_line(provider.org_number, ctype.value, check.result.value, check.summary))


@checks_cli.command("run-due")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Run at most this many checks.")
def run_due(limit: int | None) -> None:
    """Run every automatic check that is due, one provider at a time (safe to restart)."""
    from vendor_registry.background_checks.runner import run_due_checks

    def report(provider, check_type, check) -> None:
        click.echo(_line(provider.org_number, check_type.value, check.result.value, check.summary))

    with acting_as(CLI_ACTOR):
        counts = run_due_checks(limit, report=report)
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()), err=True)
