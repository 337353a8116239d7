"""Configuration: classes + environment, a generated secret in development, strict production."""
import os
import stat
import subprocess
import sys

import pytest

from config import load_config
from vendor_registry import create_app


def test_environment_overrides_the_class():
    settings = load_config({"APP_ENV": "development", "DATABASE_URL": "sqlite:////tmp/x.db", "SWEEP_HOUR": "5",
                            "SESSION_COOKIE_SECURE": "true"})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/x.db"
    assert settings["SWEEP_HOUR"] == 5
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_unknown_app_env_is_refused():
    with pytest.raises(RuntimeError, match="APP_ENV"):
        load_config({"APP_ENV": "staging"})


def test_development_generates_one_secret_key_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"APP_ENV": "development", "SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path),
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"}
    first = create_app(dict(config))
    second = create_app(dict(config))
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db", "REQUIRED_FROM_ENVIRONMENT": ("SECRET_KEY",)})
    assert not (tmp_path / "secret_key").exists()


def test_production_cookies_are_secure():
    settings = load_config({"APP_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://"})
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unreachable_database_gives_a_clear_message(tmp_path):
    env = dict(os.environ, APP_ENV="development", INSTANCE_PATH=str(tmp_path),
               DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "vendor_registry", "preflight"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 1
    assert "Cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sweep_hour_in_the_dst_gap_is_refused_at_start(tmp_path):
    from vendor_registry.jobs.registry import ScheduleConfigError

    with pytest.raises(ScheduleConfigError, match="SWEEP_HOUR"):
        create_app({"APP_ENV": "testing", "SWEEP_HOUR": 2, "INSTANCE_PATH": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
