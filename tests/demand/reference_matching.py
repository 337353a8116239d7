"""The matching engine's provider-by-provider loop as it was before the column-wise engine
(issue 15, second pass), kept to check that the fast engine gives exactly the same result
(``test_engine_equivalence.py``). Not used by the application."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from operator import attrgetter

from vendor_registry import codes as c
from vendor_registry.demand import licensing
from vendor_registry.demand.matching import (
    APPROVED,
    Excluded,
    Included,
    MatchResult,
    _near_key,
    _rank_key,
    problem_text,
)
from vendor_registry.demand.requirements import Req
from vendor_registry.demand.rules import READS, _, _lc, enum_label, evaluate
from vendor_registry.demand.snapshots import ProviderSnapshot
from vendor_registry.i18n import remembered_translations


def reference_match(snapshots: Iterable[ProviderSnapshot], requirements: Iterable[Req], *,
                    include_unapproved: bool = False, include_critical: bool = False, today: date) -> MatchResult:
    with remembered_translations():
        return _match(snapshots, tuple(requirements), include_unapproved, include_critical, today)


def _match(snapshots, reqs, include_unapproved, include_critical, today):
    included: list[Included] = []
    excluded: list[Excluded] = []
    # One memo per requirement, keyed by the snapshot fields its kind reads (``READS``): with
    # the weight it adds when met, an outcome is made once per distinct value (issue 15).
    readers = [(attrgetter(*READS[str(req.kind)]), {}, req, 0 if req.mandatory else req.weight) for req in reqs]
    deps = licensing.dependencies(reqs)
    licence_facts: dict[tuple, tuple[tuple[licensing.Problem, str], ...]] = {}
    total = sum(0 if req.mandatory else req.weight for req in reqs)
    for provider in snapshots:
        outcomes = []
        unmet = []
        met_weight = 0
        for read, memo, req, weight in readers:
            value = read(provider)
            outcome = memo.get(value)
            if outcome is None:
                outcome = memo[value] = evaluate(provider, req, today)
            outcomes.append(outcome)
            if outcome.met:
                met_weight += weight
            elif req.mandatory:
                unmet.append(outcome)
        outcomes = tuple(outcomes)
        failed = [o.text for o in unmet]
        facts_key = (provider.kinds, provider.ownership, provider.licences)
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
        if provider.status not in APPROVED and not include_unapproved:
            blocks.append(_("Inte godkänd (status: %(status)s)",
                            status=_lc(enum_label(c.ProviderStatus, provider.status))))
        if provider.critical_flags:
            if include_critical:
                warnings.append(_("Varning: %(n)s öppen kritisk avvikelse", n=provider.critical_flags))
            else:
                blocks.append(_("Har öppen kritisk avvikelse"))
        points = 100 if not total else (200 * met_weight + total) // (2 * total)  # ``score``, inlined
        if failed or blocks:
            excluded.append(Excluded(provider, (*failed, *blocks), outcomes, points, len(failed), len(blocks)))
            continue
        weighted = [o for o in outcomes if not o.requirement.mandatory]
        included.append(Included(
            provider, points,
            met=tuple(o.text for o in weighted if o.met),
            unmet=tuple(o.text for o in weighted if not o.met),
            warnings=tuple(warnings),
            outcomes=outcomes,
        ))
    included.sort(key=_rank_key)
    excluded.sort(key=_near_key)
    return MatchResult(tuple(included), tuple(excluded), reqs)
