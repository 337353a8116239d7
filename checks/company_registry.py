"""Checks a provider's company status with Bolagsverket's "värdefulla datamängder" API.

The API answers HTTP 200 even when it has no data: every field is a wrapper that may carry
``fel`` instead of a value, and "not found" comes in the body. So each status-bearing field
is read through :func:`_field`, which looks at ``fel`` first; a field that could not be
produced (source unavailable, timeout, bad request) makes the whole check ``error``, because
a missing "bankruptcy" field is not evidence of no bankruptcy.

The organisation number goes in the JSON body, never in a URL: for a sole trader it is a
personal identity number, and URLs end up in logs.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from checks.base import (
    CheckResult,
    CheckStatus,
    CheckSubject,
    Evidence,
    normalise_org_number,
)
from checks.http import FetchedResponse, FetchError, fetch, make_session

__all__ = [
    "ApiAnswer",
    "BolagsverketClient",
    "BolagsverketError",
    "CompanyRegistryChecker",
    "assess_organisations",
]

CHECK_TYPE = "company_registry"
DEFAULT_SCOPE = "vardefulla-datamangder:read vardefulla-datamangder:ping"
TOKEN_MARGIN = 30.0  # refresh this many seconds before the token's stated expiry


class BolagsverketError(Exception):
    """No usable answer; ``str(exc)`` is Swedish, ``details`` keeps the RFC 7807 fields."""

    def __init__(self, message: str, *, details: dict | None = None,
                 evidence: Evidence | None = None) -> None:
        super().__init__(message)
        self.details = details or {}
        self.evidence = evidence


@dataclass
class ApiAnswer:
    payload: Any
    response: FetchedResponse
    request_ids: list[str] = field(default_factory=list)

    @property
    def request_id(self) -> str | None:
        return self.request_ids[-1] if self.request_ids else None


def _json_fields(answer: FetchedResponse, keys: tuple[str, ...]) -> dict:
    """Selected scalar fields of a JSON error body: RFC 7807 problem details from the API,
    RFC 6749 ``error``/``error_description`` from the token endpoint. Never the whole body."""
    try:
        body = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(body, dict):
        return {}
    return {k: body[k] if isinstance(body[k], int) else str(body[k])[:300]
            for k in keys if isinstance(body.get(k), (str, int)) and body[k] != ""}


PROBLEM_FIELDS = ("type", "title", "status", "detail", "instance", "requestId")
OAUTH_FIELDS = ("error", "error_description")


class BolagsverketClient:
    """OAuth 2 client-credentials client for the organisation lookup.

    The token is cached until ``TOKEN_MARGIN`` seconds before the ``expires_in`` the token
    endpoint states (the lifetime is read, not assumed). A 401 from the API means the token
    went stale early: it is refreshed once and the call repeated; a second 401 is an error.
    Requests are throttled to 60 a minute by the session's shared limiter.
    """

    def __init__(self, api_url: str, token_url: str, client_id: str, client_secret: str,
                 session: requests.Session | None = None, scope: str = DEFAULT_SCOPE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.api_url = api_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.session = session or make_session(rate_limit_per_minute=60,
                                               rate_limit_key="bolagsverket")
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **kwargs: Any) -> BolagsverketClient | None:
        """None unless all four settings are present, so the app reports "not configured"."""
        names = ("BOLAGSVERKET_API_URL", "BOLAGSVERKET_TOKEN_URL",
                 "BOLAGSVERKET_CLIENT_ID", "BOLAGSVERKET_CLIENT_SECRET")
        values = [(environ.get(n) or "").strip() for n in names]
        if not all(values):
            return None
        return cls(*values, **kwargs)

    def __repr__(self) -> str:  # never show the secret
        return f"BolagsverketClient(api_url={self.api_url!r}, client_id={self.client_id!r})"

    # -- token ---------------------------------------------------------------------------

    def invalidate_token(self) -> None:
        with self._lock:
            self._token = None
            self._token_expires = 0.0

    def access_token(self) -> str:
        with self._lock:
            if self._token and self._clock() < self._token_expires:
                return self._token
            try:
                answer = fetch(self.session, "POST", self.token_url, data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self._client_secret,
                    "scope": self.scope,
                }, headers={"Accept": "application/json"})
            except FetchError as exc:
                raise BolagsverketError(f"Åtkomsttoken kunde inte hämtas: {exc}") from exc
            if answer.status != 200:
                oauth = _json_fields(answer, OAUTH_FIELDS)
                raise BolagsverketError(
                    f"Åtkomsttoken kunde inte hämtas (HTTP {answer.status}"
                    + (f": {oauth['error']}" if oauth.get("error") else "") + ").",
                    details={"token_status": answer.status, **oauth},
                )
            try:
                body = json.loads(answer.body)
                token = body["access_token"]
                lifetime = float(body.get("expires_in") or 0)
            except (ValueError, KeyError, TypeError) as exc:
                raise BolagsverketError("Svaret från tokentjänsten kunde inte tolkas.") from exc
            if not isinstance(token, str) or not token:
                raise BolagsverketError("Tokentjänsten gav ingen åtkomsttoken.")
            # A very short lifetime is used at most for half its length.
            margin = min(TOKEN_MARGIN, lifetime / 2)
            self._token = token
            self._token_expires = self._clock() + max(0.0, lifetime - margin)
            return token

    # -- API -----------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict | None) -> ApiAnswer:
        request_ids: list[str] = []
        while True:
            token = self.access_token()
            request_id = str(uuid.uuid4())
            request_ids.append(request_id)
            headers = {"Authorization": f"Bearer {token}", "X-Request-Id": request_id,
                       "Accept": "application/json"}
            try:
                answer = fetch(self.session, method, f"{self.api_url}{path}",
                               json=body, headers=headers)
            except FetchError as exc:
                raise BolagsverketError(f"Bolagsverket kunde inte nås: {exc}",
                                        details={"request_ids": request_ids}) from exc
            if answer.status == 401 and len(request_ids) == 1:
                self.invalidate_token()
                continue
            return ApiAnswer(None, answer, request_ids)

    def lookup(self, org_number: str) -> ApiAnswer:
        """``POST /organisationer``; raises :class:`BolagsverketError` on any non-answer."""
        answer = self._call("POST", "/organisationer", {"identitetsbeteckning": org_number})
        response = answer.response
        evidence = Evidence.from_body(response.url, response.body, response.content_type,
                                      answer.request_id)
        details = {"request_id": answer.request_id, "request_ids": answer.request_ids,
                   "http_status": response.status}
        if response.status != 200:
            details.update(_json_fields(response, PROBLEM_FIELDS))
            reason = {401: "token avvisad två gånger", 403: "åtkomst nekad",
                      429: "för många anrop"}.get(response.status)
            text = details.get("detail") or details.get("title")
            raise BolagsverketError(
                f"Bolagsverket svarade med HTTP {response.status}"
                + (f" ({reason})" if reason else "") + (f": {text}" if text else "") + ".",
                details=details, evidence=evidence,
            )
        try:
            payload = json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BolagsverketError("Svaret från Bolagsverket var inte giltig JSON.",
                                    details=details, evidence=evidence) from exc
        answer.payload = payload
        return answer

    def is_alive(self) -> bool:
        """``GET /isalive``: True only on a 2xx; any failure is False, never an exception."""
        try:
            return 200 <= self._call("GET", "/isalive", None).response.status < 300
        except BolagsverketError:
            return False


# --- reading the answer -----------------------------------------------------------------

NOT_FOUND = "ORGANISATION_FINNS_EJ"
STATUS_FIELDS = {
    "avregistreradOrganisation": "avregistrering",
    "pagaendeAvvecklingsEllerOmstruktureringsforfarande": "pågående förfaranden",
    "verksamOrganisation": "verksamhet",
}
FAIL_PROCEEDINGS = frozenset({"KK", "LI"})  # konkurs, likvidation
HARMLESS_PROCEEDINGS = frozenset({"FUOT"})  # takes over another company in a merger
_RANK = {CheckStatus.PASS: 0, CheckStatus.CONCERN: 1, CheckStatus.FAIL: 2, CheckStatus.ERROR: 3}


class _Unreadable(Exception):
    """The answer's shape is not what the API documents."""


def _date_text(value: Any) -> str | None:
    """"2001-03-15" or "2023-05-05T00:00:00.000+00:00" as an ISO date; other text kept as is."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    hit = re.match(r"(\d{4}-\d{2}-\d{2})(?:$|T)", text)
    return hit.group(1) if hit else text


def _field(org: dict, name: str) -> tuple[dict | None, dict | None]:
    """(wrapper, fel) for one field: ``fel`` is read before any value is trusted."""
    wrapper = org.get(name)
    if wrapper is None:
        return None, None
    if not isinstance(wrapper, dict):
        raise _Unreadable(name)
    fel = wrapper.get("fel")
    if fel:
        return None, fel if isinstance(fel, dict) else {"typ": str(fel)}
    return wrapper, None


def _fel_text(fel: dict) -> str:
    typ = str(fel.get("typ") or "okänt fel")
    text = fel.get("felBeskrivning")
    return f"{typ} ({text})" if text else typ


def _assess_one(org: dict) -> tuple[CheckStatus, list[str], dict]:
    """One organisation's verdict, the reasons (Swedish) and its structured details."""
    top_fel = org.get("fel")
    if isinstance(top_fel, dict) and top_fel.get("typ"):
        if top_fel.get("typ") == NOT_FOUND:
            return CheckStatus.FAIL, [], {"not_found": True}
        return CheckStatus.ERROR, [f"Bolagsverket kunde inte svara: {_fel_text(top_fel)}."], {}

    field_errors = []
    for key, value in org.items():
        if key != "organisationsidentitet" and isinstance(value, dict):
            _, fel = _field(org, key)
            if fel:
                field_errors.append({"field": key, "typ": fel.get("typ"),
                                     "felBeskrivning": fel.get("felBeskrivning")})
    info: dict = {"field_errors": field_errors}
    for error in field_errors:
        if error["field"] in STATUS_FIELDS and error["typ"] != NOT_FOUND:
            what = STATUS_FIELDS[error["field"]]
            return CheckStatus.ERROR, [
                f"Bolagsverket kunde inte lämna uppgift om {what}: {_fel_text(error)}."
            ], info
    # "Not found" only when no source knows the organisation: no name, no status, and at
    # least one field saying ORGANISATION_FINNS_EJ. Data from SCB alone (e.g. a non-profit
    # association that Bolagsverket does not register) is not "not found".
    not_found = {e["field"] for e in field_errors if e["typ"] == NOT_FOUND}
    known = [f for f in (*STATUS_FIELDS, "organisationsnamn")
             if f not in not_found and org.get(f) is not None]
    if not_found and not known:
        return CheckStatus.FAIL, [], {"not_found": True, **info}
    missing = [STATUS_FIELDS[f] for f in STATUS_FIELDS
               if f in not_found and f != "verksamOrganisation"]

    names, _ = _field(org, "organisationsnamn")
    for item in (names or {}).get("organisationsnamnLista") or []:
        if isinstance(item, dict) and (item.get("organisationsnamntyp") or {}).get("kod") == "FORETAGSNAMN":
            info["name"] = item.get("namn")
            break
    form, _ = _field(org, "organisationsform")
    info["form"] = {"kod": form.get("kod"), "klartext": form.get("klartext")} if form else None
    registered, _ = _field(org, "organisationsdatum")
    info["registration_date"] = _date_text((registered or {}).get("registreringsdatum"))

    status, reasons = CheckStatus.PASS, []
    dereg, _ = _field(org, "avregistreradOrganisation")
    dereg_date = _date_text((dereg or {}).get("avregistreringsdatum"))
    if dereg_date:
        cause, _ = _field(org, "avregistreringsorsak")
        cause_text = (cause or {}).get("klartext") or (cause or {}).get("kod")
        info["deregistration"] = {"date": dereg_date, "reason": cause_text}
        status = CheckStatus.FAIL
        reasons.append(f"Avregistrerad hos Bolagsverket {dereg_date}"
                       + (f" (orsak: {cause_text})" if cause_text else ""))

    proceedings, _ = _field(org, "pagaendeAvvecklingsEllerOmstruktureringsforfarande")
    items = (proceedings or {}).get("pagaendeAvvecklingsEllerOmstruktureringsforfarandeLista") or []
    if not isinstance(items, list):
        raise _Unreadable("pagaendeAvvecklingsEllerOmstruktureringsforfarandeLista")
    info["proceedings"] = []
    for item in items:
        if not isinstance(item, dict):
            raise _Unreadable("förfarande")
        code = str(item.get("kod") or "").upper()
        text = item.get("klartext") or code
        since = _date_text(item.get("fromDatum"))
        info["proceedings"].append({"kod": code, "klartext": item.get("klartext"), "fromDatum": since})
        if code in HARMLESS_PROCEEDINGS:
            continue
        line = f"{text} ({code})" + (f" sedan {since}" if since else "") + " enligt Bolagsverket"
        if code in FAIL_PROCEEDINGS:
            status = CheckStatus.FAIL
        elif status is CheckStatus.PASS:
            status = CheckStatus.CONCERN
        reasons.append(line)

    active, _ = _field(org, "verksamOrganisation")
    info["verksam"] = (active or {}).get("kod")
    if info["verksam"] == "NEJ":
        if status is CheckStatus.PASS:
            status = CheckStatus.CONCERN
        reasons.append("inte verksam enligt SCB (saknar F-skatt, moms- och arbetsgivarregistrering)")
    if missing:
        if status is CheckStatus.PASS:
            status = CheckStatus.CONCERN
        reasons.append("organisationen finns inte hos Bolagsverket, så uppgift om "
                       + " och ".join(missing) + " saknas")
    return status, reasons, info


def assess_organisations(payload: Any) -> tuple[CheckStatus, str, dict]:
    """Verdict, Swedish summary and details for a ``{"organisationer": [...]}`` answer.

    A sole trader can have several businesses under one number: deregistered ones are
    ignored when a registered one exists, otherwise the worst verdict counts. Any error in
    any of them makes the whole answer an error.
    """
    orgs = payload.get("organisationer") if isinstance(payload, dict) else None
    if not isinstance(orgs, list) or not orgs or not all(isinstance(o, dict) for o in orgs):
        return CheckStatus.ERROR, "Svaret från Bolagsverket hade oväntat format eller var tomt.", {}
    try:
        assessed = [_assess_one(org) for org in orgs]
    except _Unreadable as exc:
        return CheckStatus.ERROR, f"Svaret från Bolagsverket kunde inte tolkas (fältet {exc}).", {}
    details: dict = {"organisations": [info for _, _, info in assessed]}
    first = assessed[0][2]
    details.update({k: first.get(k) for k in ("name", "form", "registration_date", "deregistration",
                                              "proceedings", "verksam")})
    errors = [r for s, rs, _ in assessed if s is CheckStatus.ERROR for r in rs]
    if errors:
        return CheckStatus.ERROR, " ".join(errors), details
    if all(info.get("not_found") for _, _, info in assessed):
        details["not_found"] = True
        return CheckStatus.FAIL, "Organisationsnumret finns inte i Bolagsverkets register.", details
    live = [a for a in assessed if not a[2].get("not_found") and "deregistration" not in a[2]]
    considered = live or [a for a in assessed if not a[2].get("not_found")]
    status, reasons, info = max(considered, key=lambda a: _RANK[a[0]])
    for key in ("name", "form", "registration_date", "deregistration", "proceedings", "verksam"):
        details[key] = info.get(key)
    if status is CheckStatus.PASS:
        form = (info.get("form") or {}).get("klartext")
        summary = ("Registrerad hos Bolagsverket" + (f" som {form}" if form else "")
                   + "; ingen avregistrering, konkurs eller likvidation.")
    else:
        summary = "; ".join(reasons) + "."
        summary = summary[0].upper() + summary[1:]
    return status, summary, details


class CompanyRegistryChecker:
    """Turns Bolagsverket's answer into pass / concern / fail / error (see SOURCES.md)."""

    check_type = CHECK_TYPE

    def __init__(self, client: BolagsverketClient) -> None:
        self.client = client

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **kwargs: Any) -> CompanyRegistryChecker | None:
        client = BolagsverketClient.from_env(environ, **kwargs)
        return cls(client) if client else None

    def check(self, subject: CheckSubject) -> CheckResult:
        org_number = normalise_org_number(subject.org_number)
        if org_number is None:
            return CheckResult.error(CHECK_TYPE, "Ogiltigt organisationsnummer; Bolagsverket tillfrågades inte.")
        try:
            answer = self.client.lookup(org_number)
        except BolagsverketError as exc:
            return CheckResult.error(CHECK_TYPE, str(exc), evidence=exc.evidence, details=exc.details)
        response = answer.response
        evidence = Evidence.from_body(response.url, response.body, response.content_type,
                                      answer.request_id)
        status, summary, details = assess_organisations(answer.payload)
        details.update({"request_id": answer.request_id, "request_ids": answer.request_ids})
        if status is CheckStatus.ERROR:
            return CheckResult.error(CHECK_TYPE, summary, evidence=evidence, details=details)
        return CheckResult.make(CHECK_TYPE, status, summary, details=details, evidence=evidence)
