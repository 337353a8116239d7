"""Reads of the sign-in log, shared by its page and its tests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from vendor_registry import clock
from vendor_registry.auth.models import SIGN_IN_OUTCOMES, SignIn, User
from vendor_registry.organisations.tenancy import (
    ALL,
    current_organisation_id,
    current_scope,
    default_organisation_id,
)
from vendor_registry.text import printable


@dataclass
class SignInFilters:
    """The sign-in page's filters: part of an address, outcome, period (Stockholm dates)."""

    email: str = ""
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> SignInFilters:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None

        outcome = args.get("outcome", "")
        email = printable(args.get("email") or "").strip()[:254]
        return cls(email=email, outcome=outcome if outcome in SIGN_IN_OUTCOMES + ("failed",) else "",
                   date_from=day("date_from"), date_to=day("date_to"))

    def to_args(self) -> dict[str, str]:
        values = {"email": self.email, "outcome": self.outcome,
                  "date_from": self.date_from.isoformat() if self.date_from else "",
                  "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {key: value for key, value in values.items() if value}


def sign_in_query(filters: SignInFilters):
    """The sign-in log as the acting organisation reads it: its own people's attempts, and for
    the first organisation (the one running the installation) attempts that named no account;
    a job or the command line reads it all."""
    stmt = select(SignIn)
    if current_scope() != ALL:
        reader = current_organisation_id()
        own_people = SignIn.user_id.in_(select(User.id).where(User.organisation_id == reader))
        if reader is not None and reader == default_organisation_id():
            stmt = stmt.where(or_(own_people, SignIn.user_id.is_(None)))
        else:
            stmt = stmt.where(own_people)
    if filters.email:
        stmt = stmt.where(func.lower(SignIn.email).contains(filters.email.lower(), autoescape=True))
    if filters.outcome == "failed":
        stmt = stmt.where(SignIn.succeeded.is_(False))
    elif filters.outcome:
        stmt = stmt.where(SignIn.outcome == filters.outcome)
    if filters.date_from:
        stmt = stmt.where(SignIn.occurred_at >= clock.start_of_day(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(SignIn.occurred_at < clock.start_of_day(filters.date_to + timedelta(days=1)))
    return stmt.order_by(SignIn.occurred_at.desc(), SignIn.id.desc())
