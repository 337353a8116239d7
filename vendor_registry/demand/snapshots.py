"""Provider snapshots: everything matching needs, read in a fixed number of queries.

Matching is a pure function over these frozen values, so the database is read once per match
(at most eight statements, whatever the number of providers: providers, licences, offered
methods with their evidence, latest review, flag counts, current contract prices, check
policy, latest check per type; a match over every provider skips those for facts no
requirement reads) and the engine can be tested and benchmarked without one.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import String, and_, case, func, null, or_, select, type_coerce
from sqlalchemy.orm import Session

from vendor_registry import clock
from vendor_registry.background_checks.queries import checks_not_current
from vendor_registry.codes import LIVE_FLAG_STATUSES, FlagSeverity
from vendor_registry.contracts.models import Contract
from vendor_registry.database import utcnow
from vendor_registry.flags.models import Flag
from vendor_registry.licences.models import Licence
from vendor_registry.methods.models import Method, ProviderMethod
from vendor_registry.organisations.tenancy import organisation_filter
from vendor_registry.providers.models import Provider, format_org_number
from vendor_registry.reviews.models import Review


@dataclass(frozen=True)
class LicenceSnap:
    """A licence as matching judges it (kind, form, status, end date) and as the explanation
    shows it, so a social worker sees when it was last verified and how."""

    kind: str
    status: str
    ends_on: date | None = None
    form: str = "permit"
    last_verified_at: datetime | None = None
    verification_method: str | None = None


@dataclass(frozen=True)
class MethodSnap:
    method_id: int
    name: str
    evidence_level: str
    short_name: str | None = None
    trained_staff: int = 0
    certification_ends_on: date | None = None


@dataclass(frozen=True)
class ProviderSnapshot:
    """What the registry knew about one provider at the moment of the match."""

    id: int
    org_number: str
    name: str
    status: str
    kinds: frozenset[str] = frozenset()
    counties_served: frozenset[str] = frozenset()
    target_groups: frozenset[str] = frozenset()
    housing_forms: frozenset[str] = frozenset()
    service_areas: frozenset[str] = frozenset()
    max_threat_level: str | None = None
    licences: tuple[LicenceSnap, ...] = ()
    methods: tuple[MethodSnap, ...] = ()
    latest_review_on: date | None = None
    latest_review_outcome: str | None = None
    open_flags: int = 0
    critical_flags: int = 0
    lowest_price: Decimal | None = None
    checks_current: bool = False
    county: str = ""
    municipality: str | None = None
    ownership: str = "private"
    capacity: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def loaded(cls, **values: object) -> ProviderSnapshot:
        """A snapshot from the loader's already checked values, without the frozen dataclass's
        ``__init__`` (one guarded ``object.__setattr__`` per field: ~40 % of building 20,000
        snapshots, issue 15). Every field must be given, ``extra`` aside."""
        snapshot = object.__new__(cls)
        values["extra"] = {}
        object.__setattr__(snapshot, "__dict__", values)  # the call's own dict, not a copy
        return snapshot

    @property
    def org_number_display(self) -> str:
        return format_org_number(self.org_number)


def _by_provider(rows: Iterable) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(tuple(row[1:]))
    return grouped


def _restrict(stmt, column, provider_ids: Iterable[int] | None):
    return stmt if provider_ids is None else stmt.where(column.in_(list(provider_ids)))


def _raw(column):
    """The column as the database stores it: an enum's code or a ``|a|b|`` code list as plain
    text. At 20,000 providers the per-value type conversions (enum lookups, list parsing) were a
    third of a match (issue 15); the loader turns the few distinct values into snapshot values
    once each (``_codes``)."""
    return type_coerce(column, String)


def _codes(memo: dict[str | None, frozenset[str]], raw: str | None) -> frozenset[str]:
    """A stored code list (``|a|b|``, see ``database.CodeList``) as a frozenset, made once per
    distinct stored text (providers share few distinct lists, and equal frozensets hash alike
    for the engine's per-value memo)."""
    found = memo.get(raw)
    if found is None:
        found = memo[raw] = frozenset(code for code in (raw or "").split("|") if code)
    return found


def _licence_snaps(rows: tuple) -> tuple[LicenceSnap, ...]:
    return tuple(LicenceSnap(k, s, e, f, verified, how or None) for k, s, e, f, verified, how in rows)


def _method_snaps(rows: tuple) -> tuple[MethodSnap, ...]:
    return tuple(MethodSnap(mid, name, ev, short, int(staff or 0), cert) for mid, name, ev, short, staff, cert in rows)


def _shared(memo: dict[tuple, tuple], rows: list | None, make) -> tuple:
    """One snapshot tuple per distinct set of rows: providers offering the same methods (or
    holding equal licences) share it, so it is built once and the engine's per-value memo
    compares it by identity."""
    if not rows:
        return ()
    key = (make, *rows)
    found = memo.get(key)
    if found is None:
        found = memo[key] = make(rows)
    return found


#: The snapshot fields that cost a statement of their own which only some requirement kinds read
#: (``rules.READS``): a match whose requirements read none of them skips the statement.
OPTIONAL = ("methods", "lowest_price", "checks_current")


def load_snapshots(session: Session, today: date, provider_ids: Iterable[int] | None = None,
                   reads: Collection[str] | None = None) -> list[ProviderSnapshot]:
    """Snapshots of every provider (or of ``provider_ids``), in id order.

    ``reads`` (the fields the requirements read, ``rules.reads``) leaves out the ``OPTIONAL``
    fields not in it: they keep their empty value (no methods, no price, checks not current)
    and the engine never looks at them; nor at a licence's verification, also left out. The checks alone are ~70 % of a 20,000-provider load
    (one window over every recent check, issue 15). None loads everything (the explanation
    and comparison pages show every fact).

    Core selects of plain columns (no ORM entities, no per-value type conversion where the
    stored text is what the snapshot holds), and "checks current" from one row of plain values
    per fresh latest check (``checks_not_current``): a fixed number of statements."""
    ids = None if provider_ids is None else sorted({int(i) for i in provider_ids})
    if session.autoflush:  # what ``session.execute`` would do first
        session.flush()
    # On the session's connection, not through the ORM's result machinery: the same Core rows
    # without its per-row overhead (~70 ms of a 20,000-provider load, issue 15 second pass).
    # The organisation's filter travels with each statement (a plain connection does not run the
    # session's hook): another organisation's prices, reviews and flags must not rank providers.
    connection = session.connection()
    scoped = organisation_filter(connection.dialect.name)

    def execute(stmt):
        return connection.execute(stmt.options(*scoped) if scoped else stmt)

    providers = execute(_restrict(
        select(Provider.id, Provider.org_number, Provider.name, _raw(Provider.status), _raw(Provider.kinds),
               _raw(Provider.counties_served), _raw(Provider.target_groups), _raw(Provider.housing_forms),
               _raw(Provider.service_areas), _raw(Provider.max_threat_level), Provider.county,
               Provider.municipality, _raw(Provider.ownership), Provider.capacity)
        .order_by(Provider.id), Provider.id, ids)).all()
    # When and how a licence was last verified is shown by the explanation, never judged: a lean
    # load leaves it out, so equal licences are one shared tuple and judged once (``_shared``).
    verified = ((Licence.last_verified_at, _raw(Licence.verification_method)) if reads is None
                else (null(), null()))
    licences = _by_provider(execute(_restrict(
        select(Licence.provider_id, _raw(Licence.kind), _raw(Licence.status), Licence.ends_on, _raw(Licence.form),
               *verified)
        .order_by(Licence.provider_id, Licence.kind, Licence.id), Licence.provider_id, ids)))
    wanted = set(OPTIONAL) if reads is None else set(reads)
    methods = {} if "methods" not in wanted else _by_provider(execute(_restrict(
        select(ProviderMethod.provider_id, Method.id, Method.name, _raw(Method.evidence_level), Method.short_name,
               ProviderMethod.trained_staff, ProviderMethod.certification_ends_on)
        .join(Method, Method.id == ProviderMethod.method_id)
        .order_by(ProviderMethod.provider_id, Method.id), ProviderMethod.provider_id, ids)))
    ranked = _restrict(select(
        Review.provider_id, Review.performed_on, _raw(Review.outcome).label("outcome"),
        func.row_number().over(partition_by=Review.provider_id,
                               order_by=(Review.performed_on.desc(), Review.id.desc())).label("rn"),
    ), Review.provider_id, ids).subquery()
    reviews = {row[0]: row for row in execute(
        select(ranked.c.provider_id, ranked.c.performed_on, ranked.c.outcome).where(ranked.c.rn == 1))}
    flags = {row[0]: row for row in execute(_restrict(
        select(Flag.provider_id, func.count(),
               func.sum(case((Flag.severity == FlagSeverity.CRITICAL, 1), else_=0)))
        .where(Flag.view_status.in_(LIVE_FLAG_STATUSES)).group_by(Flag.provider_id), Flag.provider_id, ids))}
    prices = {} if "lowest_price" not in wanted else dict(execute(_restrict(
        select(Contract.provider_id, func.min(Contract.price_per_day))
        .where(Contract.price_per_day.is_not(None), Contract.starts_on <= today,
               or_(Contract.ends_on.is_(None), and_(Contract.ends_on >= today)))
        .group_by(Contract.provider_id), Contract.provider_id, ids)).all())
    # "today" is a Stockholm date; for another day, judge as of the last moment of that day there.
    now = utcnow() if today == clock.today() else clock.start_of_day(today + timedelta(days=1)) - timedelta(microseconds=1)
    # The rule of ``checks_current_map``, given a SELECT so that it costs two statements
    # whatever the number of providers (a list of ids would be sent in chunks).
    memo: dict[str | None, frozenset[str]] = {}
    shared: dict[tuple, tuple] = {}
    not_current = None if "checks_current" not in wanted else checks_not_current(
        {row[0]: _codes(memo, row[4]) for row in providers}, _restrict(select(Provider.id), Provider.id, ids), now=now)
    snapshots = []
    for (pid, org_number, name, status, kinds, counties, groups, forms, areas, threat, county, municipality,
         ownership, capacity) in providers:
        review = reviews.get(pid)
        flag = flags.get(pid)
        price = prices.get(pid)
        snapshots.append(ProviderSnapshot.loaded(
            id=pid, org_number=org_number, name=name, status=status,
            kinds=_codes(memo, kinds), counties_served=_codes(memo, counties),
            target_groups=_codes(memo, groups), housing_forms=_codes(memo, forms),
            service_areas=_codes(memo, areas), max_threat_level=threat or None,
            licences=_shared(shared, licences.get(pid), _licence_snaps),
            methods=_shared(shared, methods.get(pid), _method_snaps),
            latest_review_on=review[1] if review else None,
            latest_review_outcome=review[2] if review else None,
            open_flags=int(flag[1]) if flag else 0,
            critical_flags=int(flag[2] or 0) if flag else 0,
            lowest_price=Decimal(price) if price is not None else None,
            checks_current=not_current is not None and pid not in not_current,
            county=county, municipality=municipality,
            ownership=ownership, capacity=capacity,
        ))
    return snapshots
