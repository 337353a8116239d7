"""Which IVO licences a need depends on, and what the provider's own licences say about them.

Matching must never offer a provider that the facts exclude, and must not wait for the nightly
sweep to raise a flag first: a permit revoked this morning excludes the provider on the next
match. So this module reads the licences in the snapshot (status and end date), never flags.

What a need depends on:

* every licence the provider's own kinds require (DOMAIN.md §4 ``licence_missing``: private
  protected housing → permit, public → notification, HVB and supported housing → permit),
  because a placement happens under whatever the provider runs, and
* every licence kind the need names: through ``licence_valid`` or through ``provider_kind`` for a
  kind that needs a licence.

A licence of such a kind that is *revoked* always excludes the provider (a sanction says
something about the provider even when another permit of the same kind is in force). One that
is *expired*, *past its end date* or whose revocation is *appealed* excludes it unless another
licence of the same kind is in force (the usual renewal). A licence the provider's kinds require
that is *missing* (nothing in force, in a form the kind accepts) excludes it too: an approved
protected-housing provider without a permit would carry a critical ``licence_missing`` flag
after the next sweep, and matching must not wait for it. A ``provider_kind`` requirement for a
licensed kind is only met with that licence in force (``rules._check_provider_kind``); absence
of a kind only a ``licence_valid`` names is that requirement's own reason. The set only grows
as requirements are added, so adding a ska-krav can never bring a provider back.

Pure functions of snapshots: no database, the same answer for the same facts.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from vendor_registry import codes as c
from vendor_registry.demand.requirements import Req
from vendor_registry.demand.snapshots import LicenceSnap, ProviderSnapshot
from vendor_registry.licences.queries import required_licences

K = c.RequirementKind

#: Provider kind → the licence kinds it requires (the forms depend on ownership; see ``needed``).
LICENCE_FOR_KIND: dict[str, tuple[str, ...]] = {
    str(kind): tuple(str(lk) for lk, _forms in required_licences([kind], c.Ownership.PRIVATE))
    for kind in c.ProviderKind
}

#: Statuses that end a licence unless another licence of the same kind is in force.
REPLACEABLE = (c.LicenceStatus.EXPIRED, c.LicenceStatus.REVOCATION_APPEALED)


@dataclass(frozen=True)
class Dependencies:
    """The licence kinds a set of requirements names (computed once per match)."""

    named: frozenset[str] = frozenset()


def named_kinds(req: Req) -> tuple[str, ...]:
    """The licence kinds a requirement names (none for most kinds)."""
    kind = str(req.kind)
    if kind == K.PROVIDER_KIND:
        return LICENCE_FOR_KIND.get(req.value, ())
    if kind == K.LICENCE_VALID:
        return (req.value,)
    return ()


def dependencies(reqs: Iterable[Req]) -> Dependencies:
    return Dependencies(frozenset(k for req in reqs for k in named_kinds(req)))


def in_force(licence: LicenceSnap, today: date) -> bool:
    """Status ``valid`` and an end date not passed (ending today is still in force)."""
    return licence.status == c.LicenceStatus.VALID and (licence.ends_on is None or licence.ends_on >= today)


def needed(p: ProviderSnapshot) -> dict[str, tuple[str, ...]]:
    """Licence kind → the forms that satisfy it, for what the provider's own kinds require
    (shared per kinds and ownership: a match asks for each of 20,000 providers; read-only)."""
    return _needed(frozenset(p.kinds), str(p.ownership))


@lru_cache(maxsize=256)
def _needed(kinds: frozenset[str], ownership: str) -> dict[str, tuple[str, ...]]:
    return {str(kind): tuple(str(f) for f in forms) for kind, forms in required_licences(sorted(kinds), ownership)}


def holds(p: ProviderSnapshot, licence_kind: str, forms: tuple[str, ...] | None, today: date) -> bool:
    """Has a licence of the kind in force, in one of ``forms`` (any form when None)."""
    return any(lic.kind == licence_kind and in_force(lic, today) and (forms is None or lic.form in forms)
               for lic in p.licences)


@dataclass(frozen=True)
class Problem:
    """One licence fact that excludes a provider: which kind, and why (a status code or
    ``ended`` or ``missing``), with the end date when it has passed."""

    licence_kind: str
    why: str
    form: str = ""
    ends_on: date | None = None


def problems(p: ProviderSnapshot, deps: Dependencies, today: date,
             covered: frozenset[str] = frozenset()) -> tuple[Problem, ...]:
    """The licence facts that exclude ``p`` for a need with ``deps``, in licence-kind order.

    ``covered`` names licence kinds whose absence a failed ska-krav already gives as a reason
    ("Saknar giltigt tillstånd för HVB"), so the same absence is not said twice."""
    required = needed(p)
    kinds = sorted(set(required) | deps.named)
    found: list[Problem] = []
    for kind in kinds:
        own = [lic for lic in p.licences if lic.kind == kind]
        replaced = any(in_force(lic, today) for lic in own)
        for lic in own:
            if lic.status == c.LicenceStatus.REVOKED:
                found.append(Problem(kind, str(lic.status), lic.form))
            elif replaced:
                continue
            elif lic.status in REPLACEABLE:
                found.append(Problem(kind, str(lic.status), lic.form))
            elif lic.status == c.LicenceStatus.VALID and lic.ends_on is not None and lic.ends_on < today:
                found.append(Problem(kind, "ended", lic.form, lic.ends_on))
        lapsed = any(f.licence_kind == kind for f in found)
        if kind in required and kind not in covered and not lapsed and not holds(p, kind, required[kind], today):
            found.append(Problem(kind, "missing", required[kind][0]))
    return tuple(dict.fromkeys(found))
