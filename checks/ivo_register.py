"""Checks a provider's licences against IVO's register page.

IVO publishes no API, so this reads an HTML page whose URL is configuration. The page is
someone else's and may change, fail or be unreachable; every such case becomes an ``error``
result with no licence statuses, so the app never changes a licence on a non-answer. Only a
positive, allow-listed status text in a recognised table row counts as an answer.

Verdicts, per expected licence matched to a register row (by diarienummer when both sides
have one, else by kind, narrowed by scope when several rows share the kind):

* ``error``   the page cannot be read, or a row for the organisation has an activity or a
              status text we cannot read (quoted in the summary): we cannot vouch for any
              verdict then, so nothing changes and the check is retried;
* ``fail``    a licence we hold as valid, applied or unknown is revoked or expired there;
* ``concern`` the register shows something unexpected that is not a lapse: a permit we have
              not recorded, a name that does not match, two rows that could be the same
              licence with different statuses, a licence we hold that the register lacks
              while it lists the organisation, a scope that differs from ours, or a register
              saying "valid" where we hold a lapsed licence. A row matched only by kind whose
              scope differs from ours is another target group's permit: it answers nothing
              about our licence (no verification, no revocation);
* ``pass``    every expected licence the register covers is valid there, or lapsed as we hold
              it; a revocation we hold as appealed is consistent with a register that still
              shows it revoked, and the summary says so.

Protected housing is not shown in IVO's register: such licences are left unanswered and the
summary says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests

from checks.base import (
    CheckResult,
    CheckStatus,
    CheckSubject,
    Evidence,
    ExpectedLicence,
    LicenceFinding,
    format_org_number,
    normalise_org_number,
)
from checks.http import (
    FetchedResponse,
    FetchError,
    ensure_robots_allowed,
    fetch,
    make_session,
)
from checks.ivo_parse import ParsedPage, normalise_text, parse_register_page
from checks.ivo_scope import scope_covers

__all__ = ["KIND_LABELS", "IvoRegisterChecker", "names_match"]

CHECK_TYPE = "ivo_register"
NOT_IN_REGISTER = frozenset({"protected_housing"})
LAPSED = frozenset({"revoked", "expired"})
KIND_LABELS = {
    "hvb": "HVB",
    "protected_housing": "skyddat boende",
    "supported_housing": "stödboende",
    "other": "annan verksamhet",
}
STATUS_LABELS = {"valid": "gällande", "revoked": "återkallat", "expired": "upphört",
                 "unknown": "okänd status"}
_LEGAL_WORDS = {"ab", "aktiebolag", "publ", "hb", "kb", "handelsbolag", "kommanditbolag",
                "ek", "ekonomisk", "förening", "ideell", "stiftelse", "stiftelsen", "och", "i"}


def names_match(ours: str, theirs: str) -> bool:
    """Loose comparison: the names share a distinctive word, ignoring legal-form words.

    A register may show the unit's name rather than the company's, so only names with
    nothing in common are worth a person's attention.
    """

    def words(name: str) -> set[str]:
        return {w for w in re.findall(r"\w+", normalise_text(name)) if w not in _LEGAL_WORDS}

    a, b = words(ours), words(theirs)
    return not a or not b or bool(a & b)


def _kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "", "okänd verksamhetsform")


def _ref_key(reference: str | None) -> str:
    return re.sub(r"\s+", "", normalise_text(reference))


def _matches(licence: ExpectedLicence, finding: LicenceFinding) -> bool:
    if licence.ivo_reference and finding.reference:
        return _ref_key(licence.ivo_reference) == _ref_key(finding.reference)
    return licence.kind == finding.kind


def _same_reference(licence: ExpectedLicence, finding: LicenceFinding) -> bool:
    return bool(licence.ivo_reference and finding.reference
                and _ref_key(licence.ivo_reference) == _ref_key(finding.reference))


def _hits(licence: ExpectedLicence, findings: list[LicenceFinding]) -> list[int]:
    """The rows that are this licence; several rows of one kind are narrowed by our scope."""
    hits = [i for i, f in enumerate(findings) if _matches(licence, f)]
    if len(hits) > 1 and licence.scope:
        same_scope = [i for i in hits
                      if findings[i].scope_text and scope_covers(findings[i].scope_text, licence.scope)]
        if same_scope:
            return same_scope
    return hits


def _unreadable(findings: list[LicenceFinding]) -> list[str]:
    """Quoted texts of the organisation's rows we cannot read: no verdict may rest on them."""
    problems = []
    for finding in findings:
        if finding.kind is None:
            problems.append(f"okänd verksamhetsform {finding.kind_text!r}")
        if finding.status == "unknown":
            problems.append(f"okänd status {finding.status_text!r}")
    return problems


class IvoRegisterChecker:
    """Fetches the register page(s) for an organisation number and compares with our record."""

    check_type = CHECK_TYPE

    def __init__(
        self,
        url_template: str,
        session: requests.Session | None = None,
        max_pages: int = 10,
        respect_robots: bool = True,
    ) -> None:
        if "{org_number}" not in url_template and "{org_number_formatted}" not in url_template:
            raise ValueError("url_template must contain {org_number} or {org_number_formatted}")
        self.url_template = url_template
        # Politeness towards a public authority's web server: at most one page every 2 s.
        self.session = session or make_session(rate_limit_per_minute=30,
                                               rate_limit_key="ivo_register")
        self.max_pages = max_pages
        self.respect_robots = respect_robots

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **kwargs) -> IvoRegisterChecker | None:
        """None when IVO_REGISTER_URL is unset, so the app can say "not configured"."""
        url = (environ.get("IVO_REGISTER_URL") or "").strip()
        return cls(url, **kwargs) if url else None

    def url_for(self, org_number: str) -> str:
        return self.url_template.format(
            org_number=org_number, org_number_formatted=format_org_number(org_number)
        )

    # -- fetching ------------------------------------------------------------------------

    def _fetch_pages(self, first_url: str,
                     pages: list[tuple[FetchedResponse, ParsedPage]]) -> str | None:
        """Fill ``pages``; return why (Swedish) the result cannot be trusted, or None.

        Transport failures raise :class:`FetchError`; the pages read so far stay in
        ``pages`` so the evidence shows how far the check got.
        """
        origin = urlsplit(first_url)[:2]
        seen: set[str] = set()
        url: str | None = first_url
        while url is not None:
            if len(pages) >= self.max_pages:
                return f"Registret har fler än {self.max_pages} sidor; listan kan vara ofullständig."
            if urlsplit(url)[:2] != origin:
                return "Länken till nästa sida leder till en annan webbplats."
            if url in seen:
                return "Länken till nästa sida pekar tillbaka på en redan läst sida."
            seen.add(url)
            if self.respect_robots:
                ensure_robots_allowed(self.session, url)
            answer = fetch(self.session, "GET", url, headers={"Accept": "text/html"})
            if answer.status != 200:
                pages.append((answer, ParsedPage((), None, (f"HTTP {answer.status}",))))
                return f"servern svarade med HTTP {answer.status}."
            try:
                parsed = parse_register_page(answer.text(), answer.url)
            except Exception as exc:  # noqa: BLE001 - a page we cannot parse is a non-answer
                parsed = ParsedPage((), None, (f"Sidan kunde inte tolkas ({type(exc).__name__}).",))
            pages.append((answer, parsed))
            if parsed.problems:
                return " ".join(parsed.problems)
            url = parsed.next_url
        return None

    @staticmethod
    def _evidence(pages: list[tuple[FetchedResponse, ParsedPage]], url: str) -> Evidence | None:
        if not pages:
            return None
        if len(pages) == 1:
            answer = pages[0][0]
            return Evidence.from_body(answer.url, answer.body, answer.content_type)
        parts = []
        for number, (answer, _) in enumerate(pages, start=1):
            parts.append(f"<!-- sida {number}: {answer.url} -->\n".encode())
            parts.append(answer.body)
        return Evidence.from_body(pages[0][0].url or url, b"\n".join(parts), pages[0][0].content_type)

    # -- the check -----------------------------------------------------------------------

    def check(self, subject: CheckSubject) -> CheckResult:
        org_number = normalise_org_number(subject.org_number)
        if org_number is None:
            return CheckResult.error(
                CHECK_TYPE, "Ogiltigt organisationsnummer; IVO:s register kontrollerades inte.")
        url = self.url_for(org_number)
        pages: list[tuple[FetchedResponse, ParsedPage]] = []
        try:
            reason = self._fetch_pages(url, pages)
        except FetchError as exc:
            reason = str(exc)
        evidence = self._evidence(pages, url)
        details: dict = {
            "url": url,
            "pages": [{"url": a.url, "status": a.status, "bytes": len(a.body)} for a, _ in pages],
        }
        if reason is not None:
            return CheckResult.error(
                CHECK_TYPE, f"IVO:s register kunde inte läsas: {reason}",
                evidence=evidence, details=details,
            )
        all_findings = [f for _, page in pages for f in page.findings]
        findings = [f for f in all_findings if f.org_number == org_number]
        details["findings"] = [f.to_dict() for f in findings]
        details["warnings"] = [w for _, page in pages for w in page.warnings]
        if len(findings) != len(all_findings):
            details["other_org_rows"] = len(all_findings) - len(findings)
        return self._assess(subject, org_number, findings, details, evidence)

    def _assess(self, subject: CheckSubject, org_number: str, findings: list[LicenceFinding],
                details: dict, evidence: Evidence | None) -> CheckResult:
        checkable = [lic for lic in subject.licences if lic.kind not in NOT_IN_REGISTER]
        unchecked = [lic for lic in subject.licences if lic.kind in NOT_IN_REGISTER]
        details["unchecked_licences"] = [str(lic.id) for lic in unchecked]
        tail = (" Skyddat boende visas inte i IVO:s register och har inte kontrollerats."
                if unchecked else "")

        unreadable = _unreadable(findings)
        if unreadable:
            return CheckResult.error(
                CHECK_TYPE,
                "IVO:s register visar värden som inte kunde tolkas: " + "; ".join(unreadable)
                + ". Inget tillstånd har ändrats.",
                evidence=evidence, details={**details, "unreadable": unreadable},
            )

        if not findings:
            if any(lic.status != "applied" for lic in checkable):
                return CheckResult.error(
                    CHECK_TYPE,
                    f"Organisationsnumret {format_org_number(org_number)} "
                    "finns inte i IVO:s register trots att vi har tillstånd registrerade; "
                    "registret kan ha ändrats eller sökningen misslyckats.",
                    evidence=evidence, details=details,
                )
            details["licences"] = {}
            summary = ("Inga tillstånd i IVO:s register för organisationsnumret"
                       + (" (ansökan pågår)." if checkable else ".") + tail)
            return CheckResult.make(CHECK_TYPE, CheckStatus.PASS, summary,
                                    details=details, evidence=evidence)

        answers: dict[str, str] = {}
        fails: list[str] = []
        concerns: list[str] = []
        oks: list[str] = []
        used: set[int] = set()
        for lic in checkable:
            hits = _hits(lic, findings)
            used.update(hits)
            label = _kind_label(lic.kind) + (f" ({lic.ivo_reference})" if lic.ivo_reference else "")
            if not hits:
                if lic.status != "applied":
                    concerns.append(f"tillstånd för {label} finns inte i registret")
                continue
            statuses = {findings[i].status for i in hits}
            if len(statuses) > 1:
                concerns.append(f"flera rader för {label} med olika status")
                continue
            status = statuses.pop()
            finding = findings[hits[0]]
            theirs = "; ".join(sorted({findings[i].scope_text for i in hits if findings[i].scope_text}))
            if lic.scope and theirs and not scope_covers(theirs, lic.scope):
                concerns.append(f"tillståndet för {label} avser {theirs!r} i registret, "
                                f"men {lic.scope!r} hos oss")
                if not _same_reference(lic, finding):
                    continue  # a permit for another target group is not ours: nothing answered
            answers[str(lic.id)] = status
            when = f" (beslut {finding.decided_on.isoformat()})" if finding.decided_on else ""
            if status in LAPSED and lic.status in {"valid", "applied", "unknown"}:
                fails.append(f"Tillstånd för {label} {STATUS_LABELS[status]}{when}")
            elif status == "revoked" and lic.status == "revocation_appealed":
                oks.append(f"{label} överklagat, registret visar återkallat")
            elif status == "valid" and lic.status in {"revoked", "expired", "revocation_appealed"}:
                concerns.append(f"tillstånd för {label} gällande i registret men {lic.status} hos oss")
            else:
                oks.append(f"{label} {STATUS_LABELS[status]}")

        # Rows no expected licence claimed. An expired permit we never recorded is history
        # (kept as a note); a valid or revoked one, or one we cannot read, needs a person.
        notes: list[str] = []
        unchecked_kinds = {lic.kind for lic in unchecked}
        for index, finding in enumerate(findings):
            if index in used or finding.kind in unchecked_kinds:
                continue
            label = _kind_label(finding.kind)
            if finding.status == "expired":
                notes.append(f"upphört tillstånd för {label} som vi inte har registrerat")
            else:
                concerns.append(f"tillstånd för {label} som vi inte har registrerat "
                                f"({STATUS_LABELS[finding.status]})")
        details["notes"] = notes
        for name in sorted({f.name for f in findings if f.name}):
            if not names_match(subject.name, name):
                concerns.append(f"namnet {name!r} stämmer inte med {subject.name!r}")

        details["licences"] = answers
        details["problems"] = fails + concerns
        if fails:
            summary = "; ".join(fails) + " enligt IVO:s register."
            if concerns:
                summary += " Dessutom: " + "; ".join(concerns) + "."
            return CheckResult.make(CHECK_TYPE, CheckStatus.FAIL, summary + tail,
                                    details=details, evidence=evidence)
        if concerns:
            summary = "IVO:s register avviker: " + "; ".join(concerns) + "."
            return CheckResult.make(CHECK_TYPE, CheckStatus.CONCERN, summary + tail,
                                    details=details, evidence=evidence)
        if oks:
            summary = "Tillstånd för " + ", ".join(oks) + " enligt IVO:s register."
        else:
            summary = "IVO:s register visar inget som avviker från våra uppgifter."
        return CheckResult.make(CHECK_TYPE, CheckStatus.PASS, summary + tail,
                                details=details, evidence=evidence)
