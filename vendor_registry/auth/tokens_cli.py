"""``flask tokens create|revoke|list``: manage API tokens from the command line.

``create`` prints the plain token once, on standard output only, so it can be piped into a
secret store; it is never written anywhere else.
"""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

from vendor_registry.audit.context import Actor, acting_as
from vendor_registry.auth import services, tokens
from vendor_registry.database import utcnow
from vendor_registry.extensions import db

tokens_cli = AppGroup("tokens", help="Manage personal API tokens.")
CLI_ACTOR = Actor("system", "cli")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for (shown in lists).")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None, help="Expire after N days.")
def tokens_create(email: str, name: str, expires_days: int | None) -> None:
    """Create a token for EMAIL and print it once."""
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    with acting_as(CLI_ACTOR):
        try:
            token, plain = tokens.create_token(user, name, expires_at)
        except tokens.TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
    click.echo(f"created token {token.id} ({token.prefix}…) for {user.email}; it is shown only once:", err=True)
    click.echo(plain)


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke the token with TOKEN_ID (see ``tokens list``)."""
    token = tokens.get_token(token_id)
    if token is None:
        raise click.ClickException(f"no token {token_id}")
    with acting_as(CLI_ACTOR):
        tokens.revoke_token(token)
        db.session.commit()
    click.echo(f"revoked token {token.id} ({token.prefix}…) of {token.user.email}")


@tokens_cli.command("list")
@click.option("--email", default=None, help="Only this user's tokens.")
def tokens_list(email: str | None) -> None:
    """Every token: id, owner, name, prefix, created, last used, state."""
    if email:
        user = services.find_user(email)
        if user is None:
            raise click.ClickException(f"no user {email}")
        items = tokens.tokens_of(user)
    else:
        items = tokens.all_tokens()
    now = utcnow()
    for token in items:
        if token.revoked_at:
            state = "revoked"
        elif token.expires_at and token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        last = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
        click.echo(f"{token.id}\t{token.user.email}\t{token.name}\t{token.prefix}…\t"
                   f"{token.created_at.isoformat(timespec='seconds')}\t{last}\t{state}")
