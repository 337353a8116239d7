"""Configuration classes; ``load_config`` picks one by APP_ENV and applies the environment."""
from __future__ import annotations

import os
from typing import Any

from config.default import ENV_OVERRIDES, DefaultConfig
from config.development import DevelopmentConfig
from config.production import ProductionConfig
from config.testing import TestingConfig

CONFIG_CLASSES: dict[str, type[DefaultConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def _coerce(default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_config(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings from the class named by APP_ENV, then every known environment variable."""
    environ = dict(os.environ if environ is None else environ)
    name = environ.get("APP_ENV", "development")
    if name not in CONFIG_CLASSES:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIG_CLASSES)}, not {name!r}")
    cls = CONFIG_CLASSES[name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    for env_name, key in ENV_OVERRIDES.items():
        if env_name in environ and environ[env_name] != "":
            settings[key] = _coerce(settings.get(key), environ[env_name])
    settings["APP_ENV"] = name
    return settings
