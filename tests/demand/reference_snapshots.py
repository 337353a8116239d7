"""The snapshot loader as it was before issue 15 (typed columns through the ORM's converters,
"checks current" from ``checks_current_map``): the reference the fast loader in
``vendor_registry/demand/snapshots.py`` must agree with, value for value."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from vendor_registry import clock
from vendor_registry.background_checks.queries import checks_current_map
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagSeverity
from vendor_registry.contracts.models import Contract
from vendor_registry.database import utcnow
from vendor_registry.demand.snapshots import LicenceSnap, MethodSnap, ProviderSnapshot
from vendor_registry.flags.models import Flag
from vendor_registry.licences.models import Licence
from vendor_registry.methods.models import Method, ProviderMethod
from vendor_registry.providers.models import Provider
from vendor_registry.reviews.models import Review


def _by_provider(rows: Iterable, provider_ids: set[int] | None) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return grouped


def _restrict(stmt, column, provider_ids: Iterable[int] | None):
    return stmt if provider_ids is None else stmt.where(column.in_(list(provider_ids)))


def reference_snapshots(session: Session, today: date, provider_ids: Iterable[int] | None = None
                   ) -> list[ProviderSnapshot]:
    """The loader before issue 15, unchanged: typed columns, ``checks_current_map``."""
    ids = None if provider_ids is None else sorted({int(i) for i in provider_ids})
    providers = session.execute(_restrict(
        select(Provider.id, Provider.org_number, Provider.name, Provider.status, Provider.kinds,
               Provider.counties_served, Provider.target_groups, Provider.housing_forms,
               Provider.service_areas, Provider.max_threat_level, Provider.county, Provider.municipality,
               Provider.ownership, Provider.capacity)
        .order_by(Provider.id), Provider.id, ids)).all()
    licences = _by_provider(session.execute(_restrict(
        select(Licence.provider_id, Licence.kind, Licence.status, Licence.ends_on, Licence.form,
               Licence.last_verified_at, Licence.verification_method)
        .order_by(Licence.provider_id, Licence.kind, Licence.id), Licence.provider_id, ids)), None)
    methods = _by_provider(session.execute(_restrict(
        select(ProviderMethod.provider_id, Method.id, Method.name, Method.evidence_level, Method.short_name,
               ProviderMethod.trained_staff, ProviderMethod.certification_ends_on)
        .join(Method, Method.id == ProviderMethod.method_id), ProviderMethod.provider_id, ids)), None)
    ranked = _restrict(select(
        Review.provider_id, Review.performed_on, Review.outcome,
        func.row_number().over(partition_by=Review.provider_id,
                               order_by=(Review.performed_on.desc(), Review.id.desc())).label("rn"),
    ), Review.provider_id, ids).subquery()
    reviews = {row[0]: row for row in session.execute(
        select(ranked.c.provider_id, ranked.c.performed_on, ranked.c.outcome).where(ranked.c.rn == 1))}
    flags = {row[0]: row for row in session.execute(_restrict(
        select(Flag.provider_id, func.count(),
               func.sum(case((Flag.severity == FlagSeverity.CRITICAL, 1), else_=0)))
        .where(Flag.status.in_(LIVE_FLAG_STATUSES)).group_by(Flag.provider_id), Flag.provider_id, ids))}
    prices = dict(session.execute(_restrict(
        select(Contract.provider_id, func.min(Contract.price_per_day))
        .where(Contract.price_per_day.is_not(None), Contract.starts_on <= today,
               or_(Contract.ends_on.is_(None), and_(Contract.ends_on >= today)))
        .group_by(Contract.provider_id), Contract.provider_id, ids)).all())
    # "today" is a Stockholm date; for another day, judge as of the last moment of that day there.
    now = utcnow() if today == clock.today() else clock.start_of_day(today + timedelta(days=1)) - timedelta(microseconds=1)
    # The one definition of "checks current", given a SELECT so that it costs two statements
    # whatever the number of providers (a list of ids would be sent in chunks).
    current = checks_current_map(_restrict(select(Provider.id), Provider.id, ids), now=now)

    snapshots = []
    for row in providers:
        review = reviews.get(row.id)
        flag = flags.get(row.id)
        price = prices.get(row.id)
        snapshots.append(ProviderSnapshot(
            id=row.id, org_number=row.org_number, name=row.name, status=str(row.status),
            kinds=frozenset(row.kinds), counties_served=frozenset(row.counties_served),
            target_groups=frozenset(row.target_groups), housing_forms=frozenset(row.housing_forms),
            service_areas=frozenset(row.service_areas),
            max_threat_level=str(row.max_threat_level) if row.max_threat_level else None,
            licences=tuple(LicenceSnap(str(k), str(s), e, str(f), verified, str(how) if how else None)
                           for _, k, s, e, f, verified, how in licences.get(row.id, [])),
            methods=tuple(sorted((MethodSnap(mid, name, str(ev), short, int(staff or 0), cert)
                                  for _, mid, name, ev, short, staff, cert in methods.get(row.id, [])),
                                 key=lambda m: m.method_id)),
            latest_review_on=review[1] if review else None,
            latest_review_outcome=str(review[2]) if review else None,
            open_flags=int(flag[1]) if flag else 0,
            critical_flags=int(flag[2] or 0) if flag else 0,
            lowest_price=Decimal(price) if price is not None else None,
            checks_current=current[row.id],
            county=row.county, municipality=row.municipality,
            ownership=str(row.ownership), capacity=row.capacity,
        ))
    return snapshots
