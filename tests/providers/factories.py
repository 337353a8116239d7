"""Factories for records the provider-screen tests need beyond tests/factories.py."""
from __future__ import annotations

import itertools
from datetime import timedelta

from vendor_registry.codes import FlagRule, FlagSeverity, FlagStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db

_seq = itertools.count(1)


def make_flag(provider, **kw):
    from vendor_registry.flags.models import Flag

    values = {
        "provider_id": provider.id,
        "rule": FlagRule.LICENCE_LAPSED,
        "subject_key": f"licence:{next(_seq)}",
        "severity": FlagSeverity.CRITICAL,
        "status": FlagStatus.OPEN,
        "message": "Tillståndet har upphört",
    }
    values.update(kw)
    flag = Flag(**values)
    db.session.add(flag)
    db.session.flush()
    return flag


def make_offered_method(provider, method, **kw):
    from vendor_registry.methods.models import ProviderMethod

    offered = ProviderMethod(provider_id=provider.id, method_id=method.id, **{"trained_staff": 2, **kw})
    db.session.add(offered)
    db.session.flush()
    return offered


def make_all_checks(provider, *, days_ago: int = 1, **kw):
    """Current checks of every type the default policy could require (so checks are current)."""
    from tests.factories import make_check
    from vendor_registry.codes import CheckType

    return [make_check(provider, check_type=t, performed_at=utcnow() - timedelta(days=days_ago), **kw)
            for t in CheckType]
