"""What a list row or an export line shows beside a provider's own columns: the licence state,
the live flags and whether the checks are current, for a whole page at once.

Each fact is defined once in its feature's queries (``licences.queries``, ``flags.queries``,
``background_checks.queries``) and costs a fixed number of statements whatever the page size;
this module only composes them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vendor_registry.background_checks.queries import checks_current_map
from vendor_registry.flags.queries import FlagCounts, open_flag_counts
from vendor_registry.licences.queries import LicenceState, licence_state_map
from vendor_registry.providers.models import Provider


@dataclass
class RowFacts:
    """What a list row or an export line shows beside the provider's own columns."""

    licence: dict[int, LicenceState]
    flags: dict[int, FlagCounts]
    checks_current: dict[int, bool]


def row_facts(providers: Sequence[Provider]) -> RowFacts:
    ids = [p.id for p in providers]
    return RowFacts(licence_state_map(ids), open_flag_counts(ids), checks_current_map(ids))
