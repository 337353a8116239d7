"""Pure parsing of IVO's register: header matching, value mapping and the HTML page.

Nothing here does I/O, so every rule can be tested on saved pages. The register's layout is
not ours and can change without notice; the parser therefore finds columns by their header
*text*, reads statuses through an allow-list, and reports anything it cannot vouch for as a
problem instead of guessing. The header and value rules are shared with the extract
importer (:mod:`checks.extract`) so a page and a file IVO sends are read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from checks.base import LicenceFinding, normalise_org_number

__all__ = [
    "FIELD_LABELS",
    "REQUIRED_FIELDS",
    "HeaderMatch",
    "ParsedPage",
    "find_next_url",
    "map_kind",
    "map_status",
    "match_headers",
    "missing_headers_message",
    "normalise_text",
    "parse_date",
    "parse_register_page",
]

# Aliases per field, most specific first: when two columns could be the name, "Huvudman"
# (the legal entity, which is what the organisation number belongs to) wins. The register
# has two columns that are easily confused: the *activity* ("Verksamhetsform": HVB,
# Stödboende, Skyddat boende …), which is the licence's kind, and the *scope* ("Tillstånd
# avser": the target group, e.g. "Vuxna", "Ungdomar 16–20 år"). They are read by meaning:
# activity → ``kind_text``, scope → ``scope_text``; a page with only one of them (or one
# combined column) has that column read as the kind, since that is all it says.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "org_number": ("organisationsnummer", "org.nr", "orgnr", "org nr", "organisationsnr",
                   "org.nummer", "organisationsnummer huvudman", "organisationsnummer (huvudman)"),
    "name": ("huvudman", "huvudmannens namn", "namn", "verksamhetens namn", "företagsnamn",
             "enhetens namn", "verksamhet"),
    "kind_text": ("verksamhetsform / tillstånd avser", "verksamhetsform", "verksamhetsformer",
                  "typ av verksamhet", "verksamhetstyp", "verksamhetsslag", "tillståndstyp",
                  "typ av tillstånd", "tillstånd för"),
    "scope_text": ("tillstånd avser", "tillståndet avser", "tillståndet gäller", "avser",
                   "målgrupp", "målgrupper", "tillståndets omfattning", "omfattning",
                   "inriktning", "verksamhetens inriktning"),
    "decided_on": ("beslutsdatum", "beslutsdag", "datum för beslut", "beslutad"),
    "status": ("status", "tillståndsstatus", "tillståndets status", "status för tillståndet"),
    "reference": ("diarienummer", "diarienr", "dnr"),
}
REQUIRED_FIELDS = ("org_number", "name", "kind_text", "decided_on", "status")
FIELD_LABELS = {
    "org_number": "Organisationsnummer",
    "name": "Namn",
    "kind_text": "Verksamhetsform / Tillstånd avser",
    "scope_text": "Tillstånd avser",
    "decided_on": "Beslutsdatum",
    "status": "Status",
    "reference": "Diarienummer",
}

# Only these exact texts give a definite status; everything else is "unknown".
STATUS_TEXTS = {
    "gällande": "valid", "aktiv": "valid", "aktivt": "valid",
    "återkallat": "revoked", "återkallad": "revoked",
    "upphört": "expired", "upphörd": "expired", "avslutad": "expired", "avslutat": "expired",
}
_OTHER_KIND_MARKERS = ("lss", "bostad med särskild service", "familjehem", "konsulent",
                       "personlig assistans", "korttidsvistelse", "daglig verksamhet",
                       "särskilt boende", "hemtjänst")
_ERROR_MARKERS = ("ett fel har uppstått", "ett tekniskt fel", "tjänsten är inte tillgänglig",
                  "tjänsten är tillfälligt otillgänglig", "internal server error",
                  "service unavailable")
_EMPTY_RESULT = re.compile(
    r"^(inga träffar|0 träffar|sökningen gav inga (träffar|resultat)|inga tillstånd hittades"
    r"|hittade inga)"
)
_NEXT_TEXTS = {"nästa", "nästa sida", "›", "»", "nästa ›", "nästa »", "next", "next page"}
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009]+")
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014]")


def normalise_text(value: object) -> str:
    """Case-folded text with all kinds of spaces collapsed: the form we compare on."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value)).strip().casefold()


def _display(value: object) -> str:
    return _SPACES.sub(" ", str(value)).strip() if value is not None else ""


def _header_key(text: str) -> str:
    """Letters and digits only, so "Org.nr:", "ORG NR" and "Org nr" compare equal."""
    return "".join(ch for ch in normalise_text(text) if ch.isalnum())


_ALIAS_KEYS = {field: [_header_key(a) for a in aliases] for field, aliases in HEADER_ALIASES.items()}


@dataclass(frozen=True)
class HeaderMatch:
    columns: dict[str, int]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


_PARENTHESES = re.compile(r"\([^)]*\)")


def _header_options(cell: object) -> list[str]:
    """The header whole, its halves around "/" and the header without "(…)", as keys."""
    text = "" if cell is None else str(cell)
    parts = [text, _PARENTHESES.sub(" ", text)]
    if "/" in text:
        parts.extend(text.split("/"))
    keys: list[str] = []
    for part in parts:
        key = _header_key(part)
        if key and key not in keys:
            keys.append(key)
    return keys


def match_headers(cells: Sequence[object]) -> HeaderMatch:
    """Map field names to column indexes by header text; order and extra columns are irrelevant.

    Each field takes the column whose header is its most specific alias. A combined header
    like "Verksamhetsform / Tillstånd avser" is the kind (it is tried whole and split at "/");
    a scope column is only ever a header that names the scope and not the activity, and when
    a page has no activity column its scope column is read as the kind, as the only one there.
    """
    candidates = [_header_options(cell) for cell in cells]
    activity_keys = set(_ALIAS_KEYS["kind_text"])
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for field, keys in _ALIAS_KEYS.items():
        best: tuple[int, int] | None = None
        for index, options in enumerate(candidates):
            if index in taken:
                continue
            if field == "scope_text" and activity_keys.intersection(options):
                continue
            ranks = [keys.index(o) for o in options if o in keys]
            if ranks and (best is None or (min(ranks), index) < best):
                best = (min(ranks), index)
        if best is not None:
            columns[field] = best[1]
            taken.add(best[1])
    if "kind_text" not in columns and "scope_text" in columns:
        columns["kind_text"] = columns.pop("scope_text")
    missing = tuple(f for f in REQUIRED_FIELDS if f not in columns)
    return HeaderMatch(columns, missing)


def missing_headers_message(missing: Sequence[str]) -> str:
    labels = ", ".join(FIELD_LABELS[f] for f in missing)
    return f"Kolumner saknas: {labels}. Registrets utseende kan ha ändrats."


def map_status(text: object) -> str:
    """Allow-listed status texts only: a revocation is reported on a positive match, never inferred."""
    return STATUS_TEXTS.get(normalise_text(text).rstrip(".").strip(), "unknown")


def map_kind(text: object) -> str | None:
    """One licence kind, or None when the text names none or more than one."""
    key = normalise_text(text)
    found = set()
    if "skyddat boende" in key or "skyddade boenden" in key:
        found.add("protected_housing")
    if "stödboende" in key:
        found.add("supported_housing")
    if "hem för vård eller boende" in key or re.search(r"\bhvb\b", key):
        found.add("hvb")
    if len(found) == 1:
        return found.pop()
    if not found and any(marker in key for marker in _OTHER_KIND_MARKERS):
        return "other"
    return None


def parse_date(value: object) -> date | None:
    """A date from a register cell; None for an empty cell, ValueError for anything unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _DASHES.sub("-", _display(value))
    if not text:
        return None
    patterns = (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", (1, 2, 3)),
        (r"(\d{4})(\d{2})(\d{2})", (1, 2, 3)),
        (r"(\d{4})/(\d{1,2})/(\d{1,2})", (1, 2, 3)),
        (r"(\d{1,2})[./](\d{1,2})[./](\d{4})", (3, 2, 1)),
    )
    for pattern, (y, m, d) in patterns:
        hit = re.fullmatch(pattern, text)
        if hit:
            return date(int(hit.group(y)), int(hit.group(m)), int(hit.group(d)))
    raise ValueError(f"unknown date format: {text!r}")


# --- the HTML page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPage:
    findings: tuple[LicenceFinding, ...]
    next_url: str | None
    problems: tuple[str, ...]  # page-level: nothing on the page may be trusted
    warnings: tuple[str, ...] = ()  # row-level notes that do not invalidate the page
    empty: bool = False  # the page positively says there are no entries

    @property
    def usable(self) -> bool:
        return not self.problems


def _cells(row: Tag) -> list[Tag]:
    """Cells of a row with colspans expanded, so indexes line up with the header's."""
    out: list[Tag] = []
    for cell in row.find_all(["th", "td"], recursive=False):
        try:
            span = max(1, min(int(cell.get("colspan", 1)), 50))
        except (TypeError, ValueError):
            span = 1
        out.extend([cell] * span)
    return out


def _cell_text(cell: Tag) -> str:
    return _display(cell.get_text(" ", strip=True))


def _own_rows(table: Tag) -> list[Tag]:
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _says_empty(soup: BeautifulSoup) -> bool:
    return any(_EMPTY_RESULT.match(normalise_text(s)) for s in soup.find_all(string=True))


def find_next_url(soup: BeautifulSoup, base_url: str) -> str | None:
    """The "next page" link by rel="next" or by its text; disabled links are ignored."""

    def usable(tag: Tag) -> str | None:
        href = (tag.get("href") or "").strip()
        classes = " ".join(tag.get("class") or []).lower()
        if not href or href.startswith(("#", "javascript:")):
            return None
        if tag.get("aria-disabled") == "true" or "disabled" in classes:
            return None
        return urljoin(base_url, href)

    for tag in soup.find_all(["a", "link"]):
        if "next" in [r.lower() for r in (tag.get("rel") or [])] and usable(tag):
            return usable(tag)
    for tag in soup.find_all("a"):
        label = normalise_text(tag.get_text(" ", strip=True)) or normalise_text(
            tag.get("aria-label")
        )
        if (label in _NEXT_TEXTS or normalise_text(tag.get("aria-label")) in _NEXT_TEXTS) \
                and usable(tag):
            return usable(tag)
    return None


def _row_finding(
    cells: list[Tag], columns: dict[str, int], row_no: int,
    problems: list[str], warnings: list[str],
) -> LicenceFinding | None:
    values = {field: _cell_text(cells[index]) for field, index in columns.items()}
    org_number = normalise_org_number(values["org_number"])
    if org_number is None:
        problems.append(f"Rad {row_no}: ogiltigt organisationsnummer {values['org_number']!r}.")
        return None
    try:
        decided_on = parse_date(values["decided_on"])
    except ValueError:
        decided_on = None
        warnings.append(f"Rad {row_no}: okänt datumformat {values['decided_on']!r}.")
    status_text = values["status"]
    status = map_status(status_text)
    if status == "unknown":
        warnings.append(f"Rad {row_no}: okänd status {status_text!r}.")
    kind = map_kind(values["kind_text"])
    if kind is None:
        warnings.append(f"Rad {row_no}: okänd verksamhetsform {values['kind_text']!r}.")
    return LicenceFinding(
        org_number=org_number,
        name=values["name"],
        kind=kind,
        kind_text=values["kind_text"],
        scope_text=values.get("scope_text", ""),
        decided_on=decided_on,
        status=status,
        status_text=status_text,
        reference=values.get("reference") or None,
    )


def parse_register_page(html: str, base_url: str) -> ParsedPage:
    """Read one register page into findings, the next page's URL and any problems.

    A page is unusable (``problems`` not empty) when it is an error page, looks cut off,
    has no table with all required headers and does not say "no hits", or has a row whose
    organisation number cannot be read (that row might have been the provider's).
    """
    problems: list[str] = []
    warnings: list[str] = []
    if not re.search(r"</html\s*>", html, re.IGNORECASE):
        problems.append("Sidan är ofullständig (avslutande </html> saknas).")
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template", "noscript"]):
        tag.decompose()
    page_text = normalise_text(soup.get_text(" "))
    for marker in _ERROR_MARKERS:
        if marker in page_text:
            problems.append(f"Sidan är en felsida ({marker!r}).")
            break

    findings: list[LicenceFinding] = []
    best_partial: HeaderMatch | None = None
    found_table = False
    says_empty = _says_empty(soup)
    for table in soup.find_all("table"):
        rows = _own_rows(table)
        header_at = None
        for index, row in enumerate(rows[:5]):
            match = match_headers([_cell_text(c) for c in _cells(row)])
            if match.complete:
                header_at = index
                break
            if best_partial is None or len(match.columns) > len(best_partial.columns):
                best_partial = match
        if header_at is None:
            continue
        found_table = True
        needed = max(match.columns.values()) + 1
        for row_no, row in enumerate(rows[header_at + 1:], start=header_at + 2):
            cells = _cells(row)
            texts = [_cell_text(c) for c in cells]
            if not any(texts):
                continue
            distinct = {id(c) for c in cells}
            if len(cells) < needed or len(distinct) == 1:
                if _EMPTY_RESULT.match(normalise_text(texts[0])):
                    says_empty = True
                else:
                    warnings.append(f"Rad {row_no} hoppades över: {' '.join(texts)[:80]!r}.")
                continue
            finding = _row_finding(cells, match.columns, row_no, problems, warnings)
            if finding is not None:
                findings.append(finding)

    if not found_table and not says_empty and not problems:
        if best_partial is not None and best_partial.columns:
            problems.append(missing_headers_message(best_partial.missing))
        else:
            problems.append("Ingen tabell med tillstånd hittades. Registrets utseende kan ha ändrats.")
    empty = not findings and (says_empty or found_table)
    return ParsedPage(
        findings=tuple(findings),
        next_url=find_next_url(soup, base_url),
        problems=tuple(problems),
        warnings=tuple(warnings),
        empty=empty and not problems,
    )
