"""Rendered pages served again while nothing they show can have changed (issue 15).

Why: at national scale a list page is ~55,000 Python calls of ORM rows, badges and Jinja,
and people open the same list, queue, provider or match again and again between changes. A
page is kept only under a key that names everything it depends on:

- the data: the registry's data stamp (``datastamp``), read first in the request; any committed
  write anywhere (a form, the API, a job, a sweep) moves it, so no page outlives a change;
- the person and how they signed in (their session token, or the API token): what they may
  see, their organisation's approvals, their own assignments;
- the address with its query, the language, and the current minute: what follows the clock (a
  check that runs out at 14:03, a flag turning 30 days old) shows within a minute.

Only a 200 answer to a GET is kept, and only when the view left the session alone (no
message was flashed, nothing remembered); a request with messages waiting is rendered afresh,
since the layout shows them. The CSRF token is personal and time-bound, so it is cut out of
the kept page and the current one put in when the page is served again. The store is per
process, least recently used first out, bounded in bytes (``PAGE_CACHE_BYTES``; 0 turns it
off).
"""
from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from vendor_registry import datastamp
from vendor_registry.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
_EXTENSION = "vendor_registry.pagecache"
#: Stands for the CSRF token inside a kept page; unguessable, so no page text can contain it.
_CSRF_MARK = f"csrf-mark-{secrets.token_hex(16)}".encode()
_DROPPED_HEADERS = frozenset({"content-length", "set-cookie"})


@dataclass(frozen=True)
class _Page:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    size: int


class PageStore:
    """A size-bounded LRU of rendered pages, safe for a threaded server."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: LRUCache = LRUCache(maxsize=max(max_bytes, 1), getsizeof=lambda page: page.size)
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
            else:
                self.hits += 1
            return page

    def put(self, key: tuple, page: _Page) -> None:
        if page.size > self.max_bytes // 4:  # one page must not push out all others
            return
        with self._lock:
            self._pages[key] = page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def init_app(app: Any) -> None:
    app.extensions[_EXTENSION] = PageStore(int(app.config.get("PAGE_CACHE_BYTES") or 0))


def store() -> PageStore | None:
    found = current_app.extensions.get(_EXTENSION)
    return found if found is not None and found.max_bytes > 0 else None


def _signed_in_person() -> str | None:
    return current_user.get_id() if current_user and current_user.is_authenticated else None


def _key(principal: str, moment: tuple) -> tuple:
    return (request.endpoint, request.url, principal, str(get_locale()), *moment)


def _serve(page: _Page) -> Response:
    body = page.body
    if _CSRF_MARK in body:
        body = body.replace(_CSRF_MARK, generate_csrf().encode())
    return Response(body, status=page.status, headers=list(page.headers))


def _keepable(response: Response, session_was_modified: bool) -> bool:
    return (response.status_code == 200 and not response.is_streamed and not response.direct_passthrough
            and not (session.modified and not session_was_modified) and "Set-Cookie" not in response.headers)


def _kept(response: Response) -> _Page:
    body = response.get_data()
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        body = body.replace(token.encode(), _CSRF_MARK)
    headers = tuple((name, value) for name, value in response.headers.items()
                    if name.lower() not in _DROPPED_HEADERS)
    return _Page(response.status_code, headers, body, len(body) + 200)


def cached_page(principal: Callable[[], str | None] = _signed_in_person) -> Callable[[F], F]:
    """Serve the view's page again while its key holds (see the module). ``principal`` names who
    is asking (the session token by default; the API passes its token). Goes inside the access
    decorator, so the access check runs on every request, kept page or not."""
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            pages = store()
            who = principal() if pages is not None and request.method == "GET" else None
            if who is None or session.get("_flashes"):
                return view(*args, **kwargs)
            moment = datastamp.moment(db.session)
            if moment is None:
                return view(*args, **kwargs)
            key = _key(who, moment)
            page = pages.get(key)
            if page is not None:
                return _serve(page)
            session_was_modified = session.modified
            response = make_response(view(*args, **kwargs))
            if _keepable(response, session_was_modified):
                pages.put(key, _kept(response))
            return response

        return wrapper  # type: ignore[return-value]

    return decorator
