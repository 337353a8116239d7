"""The matching engine: a pure function from provider snapshots and requirements to a ranked
result in which every exclusion is explained.

No I/O happens here (the snapshots are read beforehand, see ``snapshots.py``), so the same
inputs always give the same result, the rules are testable at their edges, and a match over
thousands of providers costs only Python time. The meaning of each requirement kind lives in
the ``_check_*`` function of the same name in ``rules.py``; each says what counts as met.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from vendor_registry import codes as c
from vendor_registry.demand import licensing
from vendor_registry.demand.requirements import Req, describe, kind_label
from vendor_registry.demand.rules import (
    READS,
    Outcome,
    _,
    _lc,
    enum_label,
    evaluate,
)
from vendor_registry.demand.snapshots import ProviderSnapshot
from vendor_registry.i18n import remembered_translations

APPROVED = (c.ProviderStatus.APPROVED, c.ProviderStatus.CONDITIONALLY_APPROVED)


@dataclass(frozen=True)
class Included:
    provider: ProviderSnapshot
    score: int
    met: tuple[str, ...]
    unmet: tuple[str, ...]
    warnings: tuple[str, ...]
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True)
class Excluded:
    """A provider not offered. ``reasons`` lists the failed ska-krav first, then the facts that
    exclude it whatever the requirements (licences, approval status, critical flags);
    ``failed`` and ``blocked`` count the two, and ``score`` is what its bör-krav would give, so
    the list can be ordered by how near the provider came."""

    provider: ProviderSnapshot
    reasons: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    score: int = 0
    failed: int = 0
    blocked: int = 0


@dataclass(frozen=True)
class MatchResult:
    included: tuple[Included, ...] = ()
    excluded: tuple[Excluded, ...] = ()
    requirements: tuple[Req, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: org numbers as NNNNNN-NNNN, texts in the request's language."""
        return {
            "included": [
                {"org_number": i.provider.org_number_display, "name": i.provider.name, "score": i.score,
                 "met": list(i.met), "unmet": list(i.unmet), "warnings": list(i.warnings)}
                for i in self.included
            ],
            "excluded": [
                {"org_number": e.provider.org_number_display, "name": e.provider.name, "reasons": list(e.reasons)}
                for e in self.excluded
            ],
        }

    def outcome_for(self, provider_id: int) -> Included | Excluded | None:
        for item in (*self.included, *self.excluded):
            if item.provider.id == provider_id:
                return item
        return None


def score(outcomes: Sequence[Outcome]) -> int:
    """Met weights over all weights, 0–100 rounded half up; 100 when nothing is weighted."""
    total = sum(o.requirement.weight for o in outcomes if not o.requirement.mandatory)
    if not total:
        return 100
    met = sum(o.requirement.weight for o in outcomes if o.met and not o.requirement.mandatory)
    return (200 * met + total) // (2 * total)


def _near_key(item: Excluded):
    """Nearest first: no blocking fact, fewest failed ska-krav, highest score, then name and id.
    A provider that failed on price alone leads; one that can never be used (not approved, a
    revoked permit) comes after every provider a relaxed requirement would bring in."""
    p = item.provider
    return (item.blocked, item.failed, -item.score, p.name.casefold(), p.name, p.id)


def problem_text(problem: licensing.Problem) -> str:
    """A licence fact as the reason a social worker reads."""
    kind = _lc(enum_label(c.LicenceKind, problem.licence_kind))
    if problem.why == c.LicenceStatus.REVOKED:
        return _("Tillståndet för %(kind)s är återkallat", kind=kind)
    if problem.why == c.LicenceStatus.REVOCATION_APPEALED:
        return _("Tillståndet för %(kind)s är återkallat (beslutet är överklagat)", kind=kind)
    if problem.why == c.LicenceStatus.EXPIRED:
        return _("Tillståndet för %(kind)s har upphört", kind=kind)
    if problem.why == "ended" and problem.ends_on is not None:
        return _("Tillståndet för %(kind)s gällde till %(date)s", kind=kind, date=problem.ends_on.isoformat())
    if problem.form == c.LicenceForm.NOTIFICATION:
        return _("Saknar gällande anmälan till IVO för %(kind)s, som verksamheten kräver", kind=kind)
    return _("Saknar gällande tillstånd från IVO för %(kind)s, som verksamheten kräver", kind=kind)


def _rank_key(item: Included):
    p = item.provider
    review = p.latest_review_on.toordinal() if p.latest_review_on else 0
    return (-item.score, p.open_flags, -review, p.name.casefold(), p.name, p.id)


def match(snapshots: Iterable[ProviderSnapshot], requirements: Iterable[Req], *,
          include_unapproved: bool = False, include_critical: bool = False, today: date) -> MatchResult:
    """Included providers ranked (score, fewest open flags, latest review, name, id), and the
    excluded ones nearest first (``_near_key``) with every reason: each failed ska-krav, then
    each licence fact (``licensing.problems``), approval status and critical flags."""
    with remembered_translations():
        return _match(snapshots, tuple(requirements), include_unapproved, include_critical, today)


#: Snapshot fields holding tuples of snapshot dataclasses: the loader shares one tuple among the
#: providers with equal rows, so a memo keys them by identity (hashing such a tuple calls the
#: generated ``__hash__`` of every element, each time).
_BY_IDENTITY = frozenset({"licences", "methods"})


def _memo_key(fields: tuple[str, ...]):
    """The key of a requirement's outcome memo: the snapshot fields its kind reads (``READS``)."""
    get = attrgetter(*fields)
    if not _BY_IDENTITY.intersection(fields):
        return get
    if len(fields) == 1:
        return lambda p: id(get(p))
    marks = tuple(name in _BY_IDENTITY for name in fields)
    return lambda p: tuple(id(v) if by_id else v for v, by_id in zip(get(p), marks))


def _made(cls, **values):
    """An instance of a frozen result dataclass without its ``__init__`` (one guarded
    ``object.__setattr__`` per field, 20,000 times per match); every field is given."""
    item = object.__new__(cls)
    object.__setattr__(item, "__dict__", values)  # the call's own dict, not a copy
    return item


def _column(snaps: list[ProviderSnapshot], req: Req, today: date) -> list[Outcome]:
    """Every provider's outcome for one requirement, made once per distinct value it reads."""
    memo: dict = {}
    get, put = memo.get, memo.setdefault
    return [get(k) or put(k, evaluate(p, req, today))
            for k, p in zip(map(_memo_key(READS[str(req.kind)]), snaps), snaps)]


def _match(snapshots: Iterable[ProviderSnapshot], reqs: tuple[Req, ...], include_unapproved: bool,
           include_critical: bool, today: date) -> MatchResult:
    """Column by column (issue 15, second pass): each requirement's outcomes for every provider
    first (``_column``), then the met weights and failed ska-krav summed across the columns, and
    only then, per provider, the reasons and the result object. The same result as the loop
    over providers it replaced (``tests/demand/reference_matching.py``)."""
    snaps = snapshots if isinstance(snapshots, list) else list(snapshots)
    columns = [_column(snaps, req, today) for req in reqs]
    weights = [(column, req.weight) for column, req in zip(columns, reqs) if not req.mandatory and req.weight]
    met_weight = (list(map(sum, zip(*([weight if o.met else 0 for o in column] for column, weight in weights))))
                  if weights else [0] * len(snaps))
    mandatory = [j for j, req in enumerate(reqs) if req.mandatory]
    failing = (list(map(any, zip(*([not o.met for o in columns[j]] for j in mandatory))))
               if mandatory else [False] * len(snaps))
    rows = zip(*columns) if columns else ((),) * len(snaps)
    optional = [j for j, req in enumerate(reqs) if not req.mandatory]
    total = sum(0 if req.mandatory else req.weight for req in reqs)
    deps = licensing.dependencies(reqs)
    licence_facts: dict[tuple, tuple[tuple[licensing.Problem, str], ...]] = {}
    not_approved: dict[str, str] = {}
    critical_text = _("Har öppen kritisk avvikelse") if not include_critical else ""
    included: list[Included] = []
    excluded: list[Excluded] = []
    near: list[tuple] = []
    for provider, outcomes, met, fails in zip(snaps, rows, met_weight, failing):
        failed: list[str] = []
        unmet = ()
        if fails:
            unmet = [outcomes[j] for j in mandatory if not outcomes[j].met]
            failed = [o.text for o in unmet]
        facts_key = (provider.kinds, provider.ownership, id(provider.licences))
        facts = licence_facts.get(facts_key)
        if facts is None:
            facts = licence_facts[facts_key] = tuple(
                (problem, problem_text(problem)) for problem in licensing.problems(provider, deps, today))
        blocks = [text for _problem, text in facts]
        if unmet and facts:  # a missing licence a failed ska-krav already names is not said twice
            covered = {k for o in unmet for k in licensing.named_kinds(o.requirement)}
            blocks = [text for problem, text in facts
                      if not (problem.why == "missing" and problem.licence_kind in covered)]
        warnings: list[str] = []
        status = provider.status
        if status not in APPROVED and not include_unapproved:
            text = not_approved.get(status)
            if text is None:
                text = not_approved[status] = _("Inte godkänd (status: %(status)s)",
                                                 status=_lc(enum_label(c.ProviderStatus, status)))
            blocks.append(text)
        if provider.critical_flags:
            if include_critical:
                warnings.append(_("Varning: %(n)s öppen kritisk avvikelse", n=provider.critical_flags))
            else:
                blocks.append(critical_text)
        points = 100 if not total else (200 * met + total) // (2 * total)  # ``score``, inlined
        if failed or blocks:
            excluded.append(_made(Excluded, provider=provider, reasons=(*failed, *blocks), outcomes=outcomes,
                                  score=points, failed=len(failed), blocked=len(blocks)))
            name = provider.name  # ``_near_key``, made here rather than by a call per provider
            near.append((len(blocks), len(failed), -points, name.casefold(), name, provider.id))
            continue
        chosen = [outcomes[j] for j in optional]
        included.append(_made(
            Included, provider=provider, score=points,
            met=tuple(o.text for o in chosen if o.met),
            unmet=tuple(o.text for o in chosen if not o.met),
            warnings=tuple(warnings),
            outcomes=outcomes,
        ))
    included.sort(key=_rank_key)
    order = sorted(range(len(excluded)), key=near.__getitem__)
    return MatchResult(tuple(included), tuple(map(excluded.__getitem__, order)), reqs)


__all__ = ["Excluded", "Included", "MatchResult", "Outcome", "evaluate", "kind_label", "match", "score"]


# The match page shows this many of the ranked matches and of the nearest misses; the rest are
# summarised (nobody reads 20,000 reasons) and the CSV export has every provider (issue 15).
SHOWN = 50


def reason_summary(excluded: Sequence[Excluded]) -> list[tuple[str, int]]:
    """(reason, providers) for the excluded providers not shown, most common first: a failed
    ska-krav counts under the requirement as the requirement table names it (its text can name
    the provider's own values), any other reason under its own text."""
    counts: dict[str, int] = {}
    described: dict[int, str] = {}  # requirement object -> its description, made once (not per provider)
    for item in excluded:
        reasons = set()
        for o in item.outcomes:
            if not o.met and o.requirement.mandatory:
                text = described.get(id(o.requirement))
                if text is None:
                    text = described[id(o.requirement)] = describe(o.requirement)
                reasons.add(text)
        reasons.update(item.reasons[item.failed:])
        for reason in reasons:
            counts[reason] = counts.get(reason, 0) + 1
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


@dataclass(frozen=True)
class MatchPage:
    """What the match page shows of a result: the first ``SHOWN`` matches and nearest misses,
    both counts and the other misses per reason. Rendering this, not the result, lets the
    20,000-provider result be freed as the view returns (a template context can sit in a
    reference cycle, which would keep it for the next collection to walk, issue 15)."""

    included: tuple[Included, ...]
    excluded: tuple[Excluded, ...]
    requirements: tuple[Req, ...]
    included_count: int
    excluded_count: int
    rest_reasons: list[tuple[str, int]]


def page_of(result: MatchResult, shown: int | None = None) -> MatchPage:
    shown = SHOWN if shown is None else shown
    return MatchPage(result.included[:shown], result.excluded[:shown], result.requirements,
                     len(result.included), len(result.excluded), reason_summary(result.excluded[shown:]))
