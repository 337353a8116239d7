"""Which characters a text may hold: one rule for the forms, the API, searches and the exports.

Control characters arrive in pasted text, from broken encodings or from hostile input, and
each one broke something: PostgreSQL refuses NUL in a text column (the save was a 500),
openpyxl refuses every C0 control but tab and line breaks (``IllegalCharacterError``: one
provider name with ESC made the XLSX export a 500 for everyone), and a lone surrogate, which a
JSON body can carry as ``\\ud800``, cannot be written as UTF-8 at all. None of them belongs in a
name, a note or a search, so input refuses them (``refused_in``); a tab and a line break only
where the field is multi-line text. What was stored before the rule is written to a file
without them (``spreadsheet_cell``).
"""
from __future__ import annotations

import re
from typing import Any

#: C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates; the two noncharacters
#: XML forbids. What no stored text may hold.
_FORBIDDEN_MULTILINE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_MULTILINE = re.compile(f"[{_FORBIDDEN_MULTILINE}]")
#: The same plus tab and line breaks: what a one-line text (a name, a search) may not hold.
_SINGLE_LINE = re.compile(f"[\t\n\r{_FORBIDDEN_MULTILINE}]")

#: The message when a text is refused (a Swedish msgid; forms and the API translate it).
MESSAGE = "Texten innehåller otillåtna kontrolltecken."

#: A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def refused_in(text: str, multiline: bool = False) -> bool:
    """True when ``text`` holds a character input may not store."""
    return bool((_MULTILINE if multiline else _SINGLE_LINE).search(text))


def printable(text: Any) -> str:
    """A one-line text (a search in a query string) without the characters it may not hold: a
    search is not refused, it looks for what is left."""
    return _SINGLE_LINE.sub("", str(text))


def stored(value: Any) -> Any:
    """An outside source's answer (a register page, a company API) as it may be stored: text
    without the characters no stored text may hold, also inside JSON details (keys and values).
    Input from people is refused instead (``refused_in``); what a source says cannot be sent back,
    and a NUL in it made the whole check's save fail on PostgreSQL."""
    if isinstance(value, str):
        return _MULTILINE.sub("", value)
    if isinstance(value, dict):
        return {stored(key): stored(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [stored(item) for item in value]
    return value


def spreadsheet_cell(value: Any) -> Any:
    """A value as a CSV or XLSX cell: a text without the characters no file may hold (tab and
    line breaks stay: both formats quote them), and neutralised when a spreadsheet would read
    it as a formula (a name starting with "=" stays text)."""
    if not isinstance(value, str):
        return value
    value = _MULTILINE.sub("", value)
    return "'" + value if value.startswith(_FORMULA_START) else value
