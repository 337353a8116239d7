"""Numbers too large for the database in a URL never become a 500 (issue 17, item 4).

SQLite refuses an integer beyond 2**63-1 with OverflowError, PostgreSQL one beyond the
``integer`` an id column is (SQLAlchemy binds it as ``::INTEGER``); a page number, an id in the query string or an ``<int:...>`` path part that big must be
read as "no such page/record", never reach the database.
"""
from __future__ import annotations

import pytest

from tests.factories import make_provider, make_user
from vendor_registry.codes import Role

HUGE = "9" * 24
BEYOND_INT64 = str(2**63)
BEYOND_INT32 = str(2**31)

#: Every integer the pages and the API read from a query string.
INT_ARGS = ("page", "per_page", "method", "assignee", "profile", "provider", "provider_id", "entity_id",
            "ids", "days", "min_age", "version", "contract", "document", "profile_id")


def _get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.rule.startswith(("/static", "/bootstrap")):
            yield rule


def _is_int(converter) -> bool:
    from werkzeug.routing import IntegerConverter

    return isinstance(converter, IntegerConverter)


def _path(rule, ints: str, provider) -> str | None:
    """The rule's URL with every int part set to ``ints`` (None: a part we cannot fill)."""
    values = {}
    for name in rule.arguments:
        if _is_int(rule._converters[name]):
            values[name] = ints
        elif name == "fmt":
            values[name] = "csv"
        elif name == "org_number":
            values[name] = provider.org_number
        else:
            return None
    return rule.build(values, append_unknown=False)[1]


def _status(client, url: str, headers: dict) -> int:
    """The status, after reading the whole body: a streamed export fails while it is sent."""
    response = client.get(url, headers=headers)
    try:
        response.get_data()
    except Exception:  # noqa: BLE001 - a body that cannot be produced is the server's error
        return 500
    finally:
        response.close()
    return response.status_code


@pytest.fixture
def signed_in_everywhere(app, client, login, db_session, monkeypatch):
    """An admin may open every GET page there is (flag handling, audit, jobs, administration).
    Errors are answered as a real server would (a 500 page), so that one test lists them all."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    from vendor_registry.auth.tokens import create_token

    user = make_user(role=Role.ADMIN)
    provider = make_provider()
    _token, secret = create_token(user, "test")
    db_session.commit()
    login(user)
    return provider, {"Authorization": f"Bearer {secret}"}


def test_huge_int_query_args_are_never_a_500(app, client, signed_in_everywhere):
    provider, auth = signed_in_everywhere
    failures = []
    for rule in _get_routes(app):
        path = _path(rule, "1", provider)
        if path is None:
            continue
        headers = auth if path.startswith("/api/") else {}
        for name in INT_ARGS:
            for value in (HUGE, "-" + BEYOND_INT32):
                status = _status(client, f"{path}?{name}={value}", headers)
                if status >= 500:
                    failures.append(f"{path}?{name}={value}: {status}")
        status = _status(client, path + "?" + "&".join(f"{n}={HUGE}" for n in INT_ARGS), headers)
        if status >= 500:
            failures.append(f"{path}?<all>: {status}")
    assert failures == [], "\n".join(failures)


def test_huge_ids_in_the_path_are_404(app, client, signed_in_everywhere):
    provider, auth = signed_in_everywhere
    failures = []
    for rule in _get_routes(app):
        if not any(_is_int(c) for c in rule._converters.values()):
            continue
        for value in (HUGE, str(2**63 - 1), BEYOND_INT32):
            path = _path(rule, value, provider)
            status = _status(client, path, auth if path.startswith("/api/") else {})
            if status != 404:
                failures.append(f"{path}: {status}")
    assert failures == [], "\n".join(failures)
