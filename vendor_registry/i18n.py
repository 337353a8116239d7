"""Locale and time-zone selection: the user's saved choice, else the session's, else Swedish.

The browser's Accept-Language is deliberately not consulted: the product is Swedish first,
and English is a choice the user makes with the language switch.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, session
from flask_babel import get_locale, get_translations
from flask_babel import gettext as babel_gettext
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs: Swedish
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


# --- the translation memo -----------------------------------------------------------------
# A sweep or a match writes the same few hundred sentences thousands of times; translating and
# formatting each once per run (not once per provider) makes them about ten times faster. The
# memo lives in a context variable for the duration of the run only, so concurrent requests in
# other languages never share it. (Code labels have their own per-locale cache in labels.py.)
_memo: ContextVar[dict[Hashable, str] | None] = ContextVar("translation_memo", default=None)


@contextmanager
def remembered_translations() -> Iterator[None]:
    """Within the block, each sentence (and each ``remembered`` text) is made once."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: Hashable, make: Callable[[], str]) -> str:
    """``make()``, once per ``key`` inside ``remembered_translations``; every time outside it."""
    memo = _memo.get()
    if memo is None:
        return make()
    found = memo.get(key)
    if found is None:
        found = memo[key] = make()
    return found


def gettext(msgid: str, **params: Any) -> str:
    """``flask_babel.gettext`` through the memo (import it as ``_`` so pybabel extracts it)."""
    return remembered(("t", msgid, *sorted(params.items())), lambda: babel_gettext(msgid, **params))


# --- the templates' catalogue -------------------------------------------------------------
# Flask-Babel's template gettext looks the catalogue up anew for every sentence (the domain, the
# locale, its identifier, the cache): ~20 µs a call, and a list page has a hundred or more. The
# request keeps the catalogue of the locale in force; a different locale object (force_locale, a
# refresh after the language switch) looks it up again.
def _catalogue():
    locale = get_locale()
    memo = g.get("_vr_catalogue")
    if memo is None or memo[0] is not locale:
        memo = g._vr_catalogue = (locale, get_translations())
    return memo[1]


def install_template_gettext(app: Any) -> None:
    """The templates' ``_``/``ngettext`` (as Flask-Babel installs them) through ``_catalogue``."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
    )


def locale_code() -> str:
    """``str(get_locale())``, worked out once per locale object and request (labels ask per code)."""
    locale = get_locale()
    if not has_app_context():
        return str(locale)
    memo = g.get("_vr_locale_code")
    if memo is None or memo[0] is not locale:
        memo = g._vr_locale_code = (locale, str(locale))
    return memo[1]
