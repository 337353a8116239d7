"""Flask CLI groups: users, demo-data, preflight (and the groups features add)."""
from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.codes import Role
from vendor_registry.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
CLI_ACTOR = Actor("system", "cli")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", required=True)
@click.option("--organisation", default=None,
              help="Organisation id or name (default: the first organisation).")
def users_create(email: str, role: str, name: str, organisation: str | None) -> None:
    """Create a user; the password is read from standard input when it is not a terminal."""
    from vendor_registry.auth import services
    from vendor_registry.organisations.queries import find_organisation
    from vendor_registry.organisations.tenancy import (
        default_organisation_id,
        within_organisation,
    )

    found = find_organisation(organisation) if organisation else None
    if organisation and found is None:
        raise click.ClickException(f"no organisation {organisation}")
    password = _read_password()
    with acting_as(CLI_ACTOR), within_organisation(found.id if found else default_organisation_id()):
        try:
            user = services.create_user(email, name, role, password)
        except services.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
    click.echo(f"created {user.email} ({user.role.value})")


@users_cli.command("list")
def users_list() -> None:
    from vendor_registry.auth.models import User

    for user in db.session.scalars(select(User).order_by(User.organisation_id, User.email)):
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.email}\t{user.role.value}\t{state}\t{user.name}\torganisation {user.organisation_id}")


def _existing_user(email: str):
    from vendor_registry.auth import services

    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


def _change_as_cli(change) -> None:
    """Run one account change as the CLI actor (audited), a refusal as a one-line error, then commit."""
    from vendor_registry.auth import services

    with acting_as(CLI_ACTOR):
        try:
            change()
        except services.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Deactivate a user and end all of that user's sessions."""
    from vendor_registry.auth import services

    user = _existing_user(email)
    _change_as_cli(lambda: services.deactivate_user(user))
    click.echo(f"deactivated {user.email}")


@users_cli.command("set-subject")
@click.argument("email")
@click.argument("subject", default="")
def users_set_subject(email: str, subject: str) -> None:
    """Tie a user to the identity provider's subject (single sign-on with OIDC_USER_CLAIM=sub);
    without SUBJECT, untie it."""
    from vendor_registry.auth import oidc_services

    user = _existing_user(email)
    _change_as_cli(lambda: oidc_services.set_subject(user, subject))
    click.echo(f"{user.email}\t{user.oidc_subject or '-'}")


@users_cli.command("set-password")
@click.argument("email")
def users_set_password(email: str) -> None:
    """Set a user's password (read like ``create``'s); it must pass the same rule, and the
    user's open sessions end."""
    from vendor_registry.auth import services

    user = _existing_user(email)
    password = _read_password()
    _change_as_cli(lambda: services.set_password(user, password))
    click.echo(f"password set for {user.email}; their sessions have ended")


@click.command("demo-data")
@click.option("--force", is_flag=True, help="Add demo data even if the database is not empty.")
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when the database already has providers.")
@click.option("--providers", "provider_count", default=40, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=2026, show_default=True)
@click.option("--quiet", is_flag=True)
def demo_data(force: bool, if_empty: bool, provider_count: int, seed: int, quiet: bool) -> None:
    """Fill the database with a believable, clearly fictional data set."""
    from vendor_registry.demo.generator import DEMO_PASSWORDS, generate
    from vendor_registry.providers.models import Provider

    existing = db.session.scalar(select(func.count()).select_from(Provider))
    if existing and not force:
        if if_empty:
            click.echo(f"Database already has {existing} providers; demo data not loaded.")
            _print_demo_logins(DEMO_PASSWORDS)
            return
        raise click.ClickException(
            f"The database already has {existing} providers. Use --force to add demo data anyway."
        )
    with acting_as(Actor("system", "demo-data")):
        summary = generate(db.session, providers=provider_count, seed=seed)
        db.session.commit()
    if not quiet:
        click.echo("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in summary.items()))
        _print_demo_logins(DEMO_PASSWORDS)


def _print_demo_logins(passwords: dict[str, str]) -> None:
    from vendor_registry.demo.second import SECOND_ORGANISATION, SECOND_PASSWORDS
    from vendor_registry.organisations.queries import find_organisation

    click.echo("Demo logins (one per role):")
    for email, password in passwords.items():
        click.echo(f"  {email}  /  {password}")
    if find_organisation(SECOND_ORGANISATION) is not None:
        click.echo(f"Second demo organisation, {SECOND_ORGANISATION} (one per role; sharing between the two):")
        for email, password in SECOND_PASSWORDS.items():
            click.echo(f"  {email}  /  {password}")


@click.command("preflight")
def preflight() -> None:
    """Check that the database and the rate-limit store can be reached, with a clear message
    instead of a traceback (a configuration the app refuses stops here already, in one line);
    on PostgreSQL, that row-level security binds the app's role (refused in production)."""
    from vendor_registry.organisations import rls

    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            bypassing = rls.bypassing_role(connection)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise click.ClickException(f"Cannot reach the database at {url}: {reason}") from None
    except SQLAlchemyError as exc:
        raise click.ClickException(f"Database error at {url}: {exc}") from None
    click.echo(f"database ok: {url}")
    if bypassing:
        message = (f"the database role {bypassing} bypasses row-level security (superuser or BYPASSRLS): "
                   "organisations are kept apart by the app alone. Connect as the tables' owner or set "
                   "DATABASE_ROLE (README \"Running on PostgreSQL\").")
        if current_app.config.get("APP_ENV") == "production":
            raise click.ClickException(message[0].upper() + message[1:])
        click.echo("warning: " + message)
    _check_rate_limit_storage(str(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"))


def _hide_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _check_rate_limit_storage(uri: str) -> None:
    """A shared store (Redis) must answer; memory storage needs nothing but is per process."""
    from limits.errors import ConfigurationError as StorageConfigurationError
    from limits.storage import storage_from_string

    if uri.startswith("memory://"):
        click.echo("rate-limit storage: memory:// (counted per process; production needs a shared store)")
        return
    shown = _hide_password(uri)
    try:
        reachable = storage_from_string(uri).check()
    except (StorageConfigurationError, ValueError) as exc:  # unknown scheme, missing driver, bad port
        raise click.ClickException(f"Rate-limit storage {shown} cannot be used: {exc}") from None
    if not reachable:
        raise click.ClickException(f"Cannot reach the rate-limit storage at {shown}")
    click.echo(f"rate-limit storage ok: {shown}")


def register_commands(app: Flask) -> None:
    """The one place every CLI group and command is added to the app (features define their
    groups in their own ``cli`` modules; none registers itself)."""
    from vendor_registry.audit.cli import audit_cli
    from vendor_registry.auth.tokens_cli import tokens_cli
    from vendor_registry.background_checks.cli import checks_cli
    from vendor_registry.jobs.cli import jobs_cli, scheduler_command
    from vendor_registry.organisations.cli import organisations_cli

    for command in (users_cli, demo_data, preflight, tokens_cli, jobs_cli, scheduler_command, checks_cli, audit_cli,
                    organisations_cli):
        app.cli.add_command(command)
