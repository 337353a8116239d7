"""Production refuses a per-process rate-limit store (issue 17, item 7).

With memory storage every worker counts on its own: four gunicorn workers let "600 per minute"
through 2,400 times. So production (APP_ENV=production) must name a shared store in
RATELIMIT_STORAGE_URI; with ``memory://`` the app factory refuses to start and ``flask
preflight`` says why, in one line and without a traceback. A ``redis://`` store starts, and
preflight checks that it answers (a real ``redis-server``, see test_rate_limit.py).
Development and tests keep memory storage.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.test_rate_limit import _free_port, redis_url  # noqa: F401  (the fixture)
from vendor_registry import ConfigurationError, create_app

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "RATELIMIT_STORAGE_URI=memory://"


def _production(tmp_path, **config):
    return {"APP_ENV": "production", "SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.db", **config}


def _preflight(tmp_path, **env) -> subprocess.CompletedProcess:
    environ = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "k" * 40,
               "DATABASE_URL": f"sqlite:///{tmp_path}/prod.db", "INSTANCE_PATH": str(tmp_path / "instance"), **env}
    if "RATELIMIT_STORAGE_URI" not in env:
        environ.pop("RATELIMIT_STORAGE_URI", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "vendor_registry", "preflight"], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("storage", [None, "memory://"])
def test_production_with_memory_storage_refuses_to_start(tmp_path, storage):
    config = _production(tmp_path)
    if storage is not None:
        config["RATELIMIT_STORAGE_URI"] = storage
    with pytest.raises(ConfigurationError) as refused:
        create_app(config)
    assert MESSAGE in str(refused.value) and "redis://" in str(refused.value)
    assert isinstance(refused.value, RuntimeError)


def test_preflight_gives_the_refusal_as_one_clear_message(tmp_path):
    result = _preflight(tmp_path)  # the default storage is memory://
    assert result.returncode == 1
    assert MESSAGE in result.stderr and "per worker process" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_production_with_redis_starts_and_preflight_checks_the_store(tmp_path, redis_url):  # noqa: F811
    app = create_app(_production(tmp_path, RATELIMIT_STORAGE_URI=redis_url))
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_url
    result = _preflight(tmp_path, RATELIMIT_STORAGE_URI=redis_url)
    assert result.returncode == 0, result.stderr
    assert f"rate-limit storage ok: {redis_url}" in result.stdout


def test_preflight_says_when_the_shared_store_cannot_be_reached(tmp_path):
    unreachable = f"redis://:secret@127.0.0.1:{_free_port()}"
    create_app(_production(tmp_path, RATELIMIT_STORAGE_URI=unreachable))  # starting does not need it yet
    result = _preflight(tmp_path, RATELIMIT_STORAGE_URI=unreachable)
    assert result.returncode == 1
    assert "Cannot reach the rate-limit storage at redis://:***@127.0.0.1" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("environment", ["development", "testing"])
def test_development_and_tests_keep_memory_storage(tmp_path, environment):
    app = create_app({"APP_ENV": environment, "INSTANCE_PATH": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.db"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    result = _preflight(tmp_path, APP_ENV=environment, RATELIMIT_STORAGE_URI="memory://")
    assert result.returncode == 0, result.stderr
    assert "rate-limit storage: memory:// (counted per process" in result.stdout
