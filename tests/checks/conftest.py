"""Fixtures for the checks tests: saved pages, fast HTTP sessions and local servers.

Every client is exercised over real loopback HTTP (pytest-httpserver); nothing is mocked.
Sessions use tiny backoffs and timeouts so fault tests finish in well under a second.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from checks.base import CheckResult, CheckStatus
from checks.http import CheckSession, make_session

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def ivo_page() -> Callable[[str], str]:
    def load(name: str) -> str:
        return (DATA / "ivo" / name).read_text(encoding="utf-8")

    return load


@pytest.fixture
def bv_json() -> Callable[[str], dict]:
    def load(name: str) -> dict:
        return json.loads((DATA / "bolagsverket" / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def extract_file() -> Callable[[str], bytes]:
    def load(name: str) -> bytes:
        return (DATA / "extract" / name).read_bytes()

    return load


@pytest.fixture
def fast_session() -> Callable[..., CheckSession]:
    """A session factory with test-sized timeouts, retries and Retry-After cap."""

    def build(**overrides) -> CheckSession:
        options = {"connect_timeout": 1.0, "read_timeout": 2.0, "retries": 2, "backoff": 0.01,
                   "retry_after_cap": 2.0, "total_timeout": 10.0}
        options.update(overrides)
        return make_session(**options)

    return build


@pytest.fixture
def allow_robots(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /admin/\n", content_type="text/plain"
    )
    return httpserver




def _assert_no_verdict(result: CheckResult, *words: str) -> None:
    assert result.status is CheckStatus.ERROR, (result.status, result.summary)
    assert "licences" not in result.details
    assert result.summary.strip()
    for word in words:
        assert word.lower() in result.summary.lower(), (word, result.summary)
    json.dumps(result.details)
    assert result.fetched_at.tzinfo is not None


@pytest.fixture
def assert_no_verdict() -> Callable[..., None]:
    """An error result must carry no licence statuses and say in Swedish what went wrong."""
    return _assert_no_verdict
