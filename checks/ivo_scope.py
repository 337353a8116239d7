"""Comparing a permit's scope (the target group it covers) in IVO's register with ours.

A permit covers named target groups ("Vuxna", "Ungdomar 16–20 år", "Vuxna med missbruk");
serving another group needs a new permit, so a register scope that does not cover what our
record says is worth a person's attention, though it says nothing about a revocation.
"""

from __future__ import annotations

import re

from checks.ivo_parse import normalise_text

__all__ = ["scope_covers"]

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014]")
_SCOPE_SEPARATORS = re.compile(r"[,;/\n]| och | samt | eller ")
_SCOPE_FILLER = {"år", "med", "för", "i", "av", "som", "har", "enligt"}


def _scope_parts(text: object) -> set[frozenset[str]]:
    """The target groups a scope text names, each as its set of significant words."""
    key = _DASHES.sub("-", normalise_text(text))
    parts = set()
    for part in _SCOPE_SEPARATORS.split(f" {key} "):
        words = frozenset(w for w in re.findall(r"[\w-]+", part) if w not in _SCOPE_FILLER)
        if words:
            parts.add(words)
    return parts


def scope_covers(theirs: object, ours: object) -> bool:
    """Whether the register's scope covers every target group our record names.

    Compared group by group on their words, so "Ungdomar 16–20 år" equals "ungdomar 16-20"
    and "Vuxna, familjer" covers "Vuxna och familjer", while "Vuxna" does not cover
    "Vuxna med missbruk" nor the other way round: a different target group is a different
    permit. An empty side says nothing and is never a mismatch.
    """
    mine, listed = _scope_parts(ours), _scope_parts(theirs)
    return not mine or not listed or mine <= listed
