"""The one place where checks talk HTTP: timeouts, retries, byte cap, rate limit, robots.txt.

Every outside source is slow, flaky or hostile at times, and none of that may turn into a
verdict about a provider. So every request made through :func:`make_session` has a connect
and a read timeout, is retried with exponential backoff where a retry is safe, reads at most
``max_bytes`` of body, waits its turn under a per-source rate limit, and names itself with a
User-Agent. Failures surface as :class:`FetchError` subclasses whose message is Swedish and
can go straight into a result summary.

Retry policy, and why:

* GET/HEAD/OPTIONS are retried on connection errors, read timeouts and 429/500/502/503/504,
  with backoff ``backoff * 2**(n-1)`` (urllib3 skips the wait before the first retry).
* POST is never retried after the request may have been processed (read timeout, 500,
  502, 504): the server might have acted on it. It is retried only on a connection error
  (nothing was sent) and on 429/503 *with* a Retry-After header, because then the server
  says outright that it did not process the request and when to come back. Bolagsverket's
  ``POST /organisationer`` and the OAuth token endpoint are the POSTs this covers.
* Retry-After is honoured up to ``retry_after_cap`` seconds. A longer wait is not shortened
  (retrying early would be ignoring the server) nor slept through (a worker would hang):
  the response is handed back as is and the check reports ``error``.

The rate limiter is taken per request made through the session, not per urllib3 retry;
retries are already spaced by backoff or by the server's own Retry-After. Limiters are
shared per ``rate_limit_key`` within one process; separate processes each keep their own.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

__all__ = [
    "CheckSession", "FetchError", "FetchedResponse", "IncompleteResponse", "RateLimiter",
    "ResponseTooLarge", "RobotsCache", "RobotsDisallowed", "RobotsUnavailable", "SourceTimeout",
    "SourceUnreachable", "ensure_robots_allowed", "fetch", "make_session", "shared_rate_limiter",
]

DEFAULT_USER_AGENT = "vendor-registry/1.0 (+municipal provider registry)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
POST_RETRY_STATUSES = frozenset({429, 503})
ROBOTS_MAX_BYTES = 512_000  # RFC 9309 asks crawlers to parse at least 500 KiB
_CHUNK = 64 * 1024


# --- errors -----------------------------------------------------------------------------


class FetchError(Exception):
    """The source gave no usable answer. ``str(exc)`` is a Swedish sentence for a summary."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class SourceUnreachable(FetchError):
    """No connection could be made (refused, DNS, TLS, connect timeout)."""


class SourceTimeout(FetchError):
    """Connected, but the answer did not arrive in time."""


class IncompleteResponse(FetchError):
    """The connection broke while the body was being read."""


class ResponseTooLarge(FetchError):
    """The body exceeded the byte cap; nothing past the cap was read."""


class RobotsDisallowed(FetchError):
    """The site's robots.txt forbids fetching the page."""


class RobotsUnavailable(FetchError):
    """robots.txt could not be read (5xx or network): we fetch nothing rather than guess."""


# --- response ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchedResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    elapsed: float

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        """Decode with the declared charset; else UTF-8, falling back to cp1252 (never fails)."""
        charset = None
        for part in (self.content_type or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip().strip('"')
        if charset:
            try:
                return self.body.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
        try:
            return self.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            return self.body.decode("cp1252", errors="replace")


# --- rate limiting ----------------------------------------------------------------------


class RateLimiter:
    """Token bucket, thread-safe; ``burst=1`` makes it a plain minimum interval.

    Bolagsverket allows 60 requests a minute per user; a minimum interval of one second keeps
    every sliding minute within that, which a bucket with a large burst would not. Clock and
    sleep are injectable so tests measure spacing without waiting.
    """

    def __init__(self, per_minute: int, *, burst: int = 1,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if per_minute <= 0 or burst <= 0:
            raise ValueError("per_minute and burst must be positive")
        self.interval = 60.0 / per_minute
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated = clock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is available; returns the time waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) / self.interval)
            self._updated = now
            self._tokens -= 1.0  # reserve now, so concurrent callers queue up behind us
            wait = 0.0 if self._tokens >= 0 else -self._tokens * self.interval
        if wait > 0:
            self._sleep(wait)
        return wait


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_rate_limiter(key: str, per_minute: int) -> RateLimiter:
    """One limiter per source in this process, however many sessions or clients are built."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None or abs(limiter.interval - 60.0 / per_minute) > 1e-9:
            limiter = _LIMITERS[key] = RateLimiter(per_minute)
        return limiter


# --- retries ----------------------------------------------------------------------------


class _CheckRetry(Retry):
    """urllib3 Retry with the POST rule and the Retry-After cap described in the module doc."""

    retry_after_cap: float = 60.0

    def new(self, **kw: Any) -> _CheckRetry:
        fresh = super().new(**kw)
        fresh.retry_after_cap = self.retry_after_cap
        return fresh

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() == "POST":
            return bool(self.total) and has_retry_after and status_code in POST_RETRY_STATUSES
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None,
                  _stacktrace=None):
        if response is not None and self.respect_retry_after_header:
            try:
                wait = self.get_retry_after(response)
            except Exception:  # noqa: BLE001 - an unparseable header means "no usable hint"
                wait = None
            if wait is not None and wait > self.retry_after_cap:
                raise MaxRetryError(_pool, url, ResponseError("Retry-After exceeds cap"))
        return super().increment(method, url, response, error, _pool, _stacktrace)


# --- session ----------------------------------------------------------------------------


class CheckSession(requests.Session):
    """A Session that cannot forget its timeout and always waits for its rate limiter."""

    def __init__(self, *, timeout: tuple[float, float], max_bytes: int, total_timeout: float,
                 rate_limiter: RateLimiter | None) -> None:
        super().__init__()
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.total_timeout = total_timeout
        self.rate_limiter = rate_limiter
        self.robots = RobotsCache()
        self.max_redirects = 5

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        return super().request(method, url, *args, **kwargs)


def make_session(
    *,
    user_agent: str = DEFAULT_USER_AGENT,
    connect_timeout: float = 5.0,
    read_timeout: float = 20.0,
    retries: int = 3,
    backoff: float = 0.5,
    max_bytes: int = 5_000_000,
    rate_limit_per_minute: int | None = None,
    rate_limit_key: str | None = None,
    rate_limiter: RateLimiter | None = None,
    retry_after_cap: float = 60.0,
    total_timeout: float = 60.0,
) -> CheckSession:
    """Build the session every checker uses.

    ``rate_limit_key`` shares one limiter between all sessions of the same source in this
    process (e.g. ``"bolagsverket"``); without a key the limiter belongs to this session.
    ``rate_limiter`` injects a ready limiter (tests use one with a fake clock).
    """
    if rate_limiter is None and rate_limit_per_minute:
        rate_limiter = (shared_rate_limiter(rate_limit_key, rate_limit_per_minute)
                        if rate_limit_key else RateLimiter(rate_limit_per_minute))
    session = CheckSession(timeout=(connect_timeout, read_timeout), max_bytes=max_bytes,
                           total_timeout=total_timeout, rate_limiter=rate_limiter)
    retry = _CheckRetry(
        total=retries, connect=retries, read=retries, status=retries, other=0,
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}), status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff, respect_retry_after_header=True,
        raise_on_status=False,  # hand the last response back; the checker says what it means
    )
    retry.retry_after_cap = retry_after_cap
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


# --- fetching ---------------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (args, .reason, causes), for classification."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        nested = [a for a in current.args if isinstance(a, BaseException)]
        nested += [getattr(current, "reason", None), current.__cause__, current.__context__]
        todo.extend(n for n in nested if isinstance(n, BaseException))
    return seen


def _translate(exc: requests.RequestException, url: str) -> FetchError:
    host = urlsplit(url).netloc or url
    chain = _chain(exc)

    def has(*types: type) -> bool:
        return any(isinstance(e, types) for e in chain)

    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so it is tested first.
    if has(NewConnectionError):
        return SourceUnreachable(f"Kunde inte ansluta till {host}.", url=url)
    if has(ConnectTimeoutError, requests.ConnectTimeout):
        return SourceUnreachable(f"Tidsgränsen för anslutning till {host} överskreds.", url=url)
    if has(ReadTimeoutError, requests.ReadTimeout, TimeoutError):
        return SourceTimeout(f"{host} svarade inte inom tidsgränsen.", url=url)
    if isinstance(exc, requests.exceptions.SSLError):
        return SourceUnreachable(f"TLS-fel vid anslutning till {host}.", url=url)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return IncompleteResponse(f"Svaret från {host} avbröts eller var ofullständigt.", url=url)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return FetchError(f"Ogiltig adress: {url}", url=url)
    if isinstance(exc, requests.TooManyRedirects):
        return FetchError(f"För många omdirigeringar från {host}.", url=url)
    if isinstance(exc, requests.ConnectionError):
        return SourceUnreachable(f"Kunde inte ansluta till {host}.", url=url)
    return FetchError(f"Anropet till {host} misslyckades ({type(exc).__name__}).", url=url)


def fetch(session: requests.Session, method: str, url: str, *, max_bytes: int | None = None,
          **kwargs: Any) -> FetchedResponse:
    """Make one request and read at most ``max_bytes`` of (decoded) body.

    Any HTTP status is returned, not raised: the caller knows what a 404 means for its
    source. Transport problems raise :class:`FetchError` subclasses. The cap applies to the
    decoded body, so a small compressed answer cannot inflate past it.
    """
    limit = max_bytes if max_bytes is not None else getattr(session, "max_bytes", 5_000_000)
    total_timeout = getattr(session, "total_timeout", None)
    started = time.monotonic()
    try:
        response = session.request(method, url, stream=True, **kwargs)
    except requests.RequestException as exc:
        raise _translate(exc, url) from exc
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(f"Svaret är för stort ({int(declared)} byte, gränsen är "
                                   f"{limit}).", url=url)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=_CHUNK):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(f"Svaret är för stort (över {limit} byte).", url=url)
            if total_timeout is not None and time.monotonic() - started > total_timeout:
                raise SourceTimeout("Svaret tog för lång tid att läsa.", url=url)
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise _translate(exc, url) from exc
    finally:
        response.close()
    return FetchedResponse(status=response.status_code,
                           headers=CaseInsensitiveDict(response.headers),
                           body=b"".join(chunks), url=response.url,
                           elapsed=time.monotonic() - started)


# --- robots.txt -------------------------------------------------------------------------


class RobotsCache:
    """robots.txt per origin, kept for a day (RFC 9309 §2.4).

    How an unreadable robots.txt is treated follows RFC 9309 §2.3.1: any 4xx (including
    401/403, unlike Python's stdlib reader) means there are no rules, so fetching is allowed;
    a 5xx or a network failure means the rules are unknown, so nothing is fetched and the
    check reports ``error``. Failures are not cached: the next check asks again.
    """

    def __init__(self, ttl: float = 86_400.0, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}

    def parser_for(self, session: requests.Session,
                   url: str) -> urllib.robotparser.RobotFileParser | None:
        """The parsed rules for the URL's origin, or None when there are none (allow all)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            cached = self._entries.get(origin)
            if cached and cached[0] > self._clock():
                return cached[1]
        robots_url = f"{origin}/robots.txt"
        try:
            answer = fetch(session, "GET", robots_url, max_bytes=ROBOTS_MAX_BYTES)
        except FetchError as exc:
            raise RobotsUnavailable(
                f"robots.txt på {parts.netloc} kunde inte läsas: {exc}", url=robots_url
            ) from exc
        if answer.status >= 500:
            raise RobotsUnavailable(
                f"robots.txt på {parts.netloc} kunde inte läsas (HTTP {answer.status}).",
                url=robots_url,
            )
        parser: urllib.robotparser.RobotFileParser | None = None
        if 200 <= answer.status < 300:
            parser = urllib.robotparser.RobotFileParser(robots_url)
            parser.parse(answer.body.decode("utf-8", errors="replace").splitlines())
        with self._lock:
            self._entries[origin] = (self._clock() + self.ttl, parser)
        return parser


def ensure_robots_allowed(session: requests.Session, url: str) -> None:
    """Raise :class:`RobotsDisallowed` or :class:`RobotsUnavailable` unless we may fetch url."""
    cache = getattr(session, "robots", None)
    if cache is None:
        cache = RobotsCache()
        session.robots = cache  # type: ignore[attr-defined]
    parser = cache.parser_for(session, url)
    agent = str(session.headers.get("User-Agent", DEFAULT_USER_AGENT))
    if parser is not None and not parser.can_fetch(agent, url):
        raise RobotsDisallowed(
            f"Webbplatsens robots.txt tillåter inte hämtning av {urlsplit(url).path or '/'}.",
            url=url,
        )
