"""Helpers for the flag tests: run one rule or a whole sweep at a chosen Stockholm date."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from vendor_registry.audit.context import acting_as, job_actor
from vendor_registry.extensions import db
from vendor_registry.flags import services
from vendor_registry.flags.rules import STOCKHOLM, RuleContext

TODAY = date(2026, 11, 24)


def at_stockholm(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """An aware UTC instant for a Stockholm wall-clock time."""
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM).astimezone(UTC)


@pytest.fixture
def run_rule(app, db_session):
    def _run(rule_fn, today: date = TODAY, providers=None, **overrides):
        settings = dict(app.config)
        settings.update(overrides)
        found = rule_fn(RuleContext(session=db.session, today=today, settings=settings))
        ids = None if providers is None else {p.id for p in providers}
        return {(f.provider_id, f.subject_key): f.severity.value for f in found
                if ids is None or f.provider_id in ids}
    return _run


@pytest.fixture
def run_sweep(app, db_session):
    def _run(rules, today: date = TODAY, now: datetime | None = None, job: str = "licence_sweep"):
        now = now or at_stockholm(today, 4, 30)
        with acting_as(job_actor(job)):
            counts = services.sweep(db.session, rules, settings=app.config, today=today, now=now)
        db.session.commit()
        return counts
    return _run







def view_of(flag_id: int, organisation_id: int):
    """The flag as ``organisation_id`` sees it (issue 14: a shared flag's handling is each
    organisation's own), read fresh from the database."""
    from vendor_registry.flags.models import Flag
    from vendor_registry.organisations.tenancy import within_organisation

    db.session.expire_all()
    with within_organisation(organisation_id):
        return db.session.get(Flag, flag_id).view
