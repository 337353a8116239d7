"""Value pickers for the profile editor: which widget and which choices each requirement kind has.

The editor offers the §6 vocabulary as a list instead of free text, so a stored profile can be
opened and saved unchanged (the picker shows the stored code selected) and a user cannot type a
value the matcher does not know. The stored form stays the code (or a number, a method id,
``true``); ``requirements.parse_value`` remains the authority on what is valid, so a value that
reaches the server some other way (no JavaScript, an old bookmark) is still checked there.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from vendor_registry.codes import RequirementKind
from vendor_registry.demand.requirements import (
    CODED,
    MAX_DAYS,
    MAX_PRICE,
    TRUE_ONLY,
    RequirementError,
    parse_value,
)
from vendor_registry.labels import choices, county_choices

K = RequirementKind

SELECT, NUMBER, FIXED, TEXT = "select", "number", "fixed", "text"


@dataclass(frozen=True)
class ValuePicker:
    """How one kind's value is chosen: a list (``select``), a whole number, or the fixed ``true``."""

    kind: str
    widget: str
    options: tuple[tuple[str, str], ...] = ()
    high: int = 0
    #: Values still valid in stored profiles but not offered for new rows (a retired method).
    former: tuple[tuple[str, str], ...] = ()

    def selected(self, raw: str | None) -> tuple[str, tuple[str, str] | None]:
        """The option to show selected for ``raw``, and an extra option when ``raw`` is not one.

        A value typed by name (the no-JavaScript fallback) is shown as its code; a value that is
        not in the list at all is kept as an extra option, so a rejected row loses nothing.
        """
        text = (raw or "").strip()
        if self.widget not in (SELECT, FIXED) or not text:
            return text, None
        codes = {code for code, _label in self.options}
        if text in codes:
            return text, None
        for code, label in self.former:
            if text == code:
                return code, (code, label)
        for code, label in self.options:
            if text.casefold() == str(label).casefold():
                return code, None
        if self.kind != K.OFFERS_METHOD:
            try:
                code = parse_value(self.kind, text)
            except RequirementError:
                code = ""
            if code in codes:
                return code, None
        return text, (text, text)


def _select(kind: str, options: Iterable[tuple[str, str]]) -> ValuePicker:
    return ValuePicker(str(kind), SELECT, tuple((str(code), label) for code, label in options))


def value_pickers(methods: Iterable = ()) -> dict[str, ValuePicker]:
    """One picker per requirement kind, in the order of the kind list; ``methods`` is the
    catalogue's active methods plus any inactive one that a row being edited names."""
    pickers: dict[str, ValuePicker] = {}
    for kind in K:
        if kind in CODED:
            pickers[kind.value] = _select(kind, choices(CODED[kind]))
        elif kind == K.SERVES_COUNTY:
            pickers[kind.value] = _select(kind, county_choices())
        elif kind == K.OFFERS_METHOD:
            methods = list(methods)
            pickers[kind.value] = ValuePicker(
                kind.value, SELECT, tuple((str(m.id), m.name) for m in methods if m.active),
                former=tuple((str(m.id), m.name) for m in methods if not m.active))
        elif kind == K.PRICE_PER_DAY_AT_MOST:
            pickers[kind.value] = ValuePicker(kind.value, NUMBER, high=MAX_PRICE)
        elif kind == K.REVIEWED_WITHIN_DAYS:
            pickers[kind.value] = ValuePicker(kind.value, NUMBER, high=MAX_DAYS)
        elif kind in TRUE_ONLY:
            pickers[kind.value] = ValuePicker(kind.value, FIXED, (("true", _l("Ja")),))
    return pickers


#: The widget for a row whose kind is not chosen yet: free text with suggestions (no JavaScript).
UNCHOSEN = ValuePicker("", TEXT)
