"""Swedish first, English available: every text on a page has an English translation."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _extracted() -> set[str]:
    found: set[str] = set()
    sources = [
        (ROOT / "vendor_registry", [("**.py", "python")]),
        (ROOT / "templates", [("**.html", "jinja2")]),
    ]
    for directory, method_map in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(directory), method_map, keywords=KEYWORDS, options_map={"**.html": {"extensions": "jinja2.ext.do"}}
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue():
    with open(ROOT / "vendor_registry/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh)


def test_every_text_has_an_english_translation():
    catalogue = _catalogue()
    missing = sorted(m for m in _extracted() if not (catalogue.get(m) and catalogue.get(m).string
                                                      and "fuzzy" not in catalogue.get(m).flags))
    assert missing == [], f"{len(missing)} texts lack an English translation (make translations-update): {missing[:20]}"


def test_translations_keep_their_placeholders():
    wrong = []
    for message in _catalogue():
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        if set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            wrong.append(message.id)
    assert wrong == []
