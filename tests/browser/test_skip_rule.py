"""The rule for a machine without Chromium: skip with a hint locally, fail in CI."""
from pathlib import Path

import pytest

from tests.browser import conftest as browser_conftest


def test_missing_chromium_skips_locally_with_a_hint(monkeypatch):
    monkeypatch.setattr(browser_conftest, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        browser_conftest._require_chromium()


def test_missing_chromium_fails_in_ci(monkeypatch):
    monkeypatch.setattr(browser_conftest, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        browser_conftest._require_chromium()
