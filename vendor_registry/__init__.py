"""The quality-control and procurement registry for external providers (avhopparverksamhet).

``create_app`` is the only place an application is built: config → extensions →
blueprints → error pages → CLI. Nothing is built at import time.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


class ConfigurationError(click.ClickException, RuntimeError):
    """A configuration the app refuses to start with. A ClickException as well, so that the
    ``flask`` commands (``preflight`` first) print it as one line instead of a traceback; a
    RuntimeError for gunicorn and for callers of ``create_app``."""


def _resource_dir(name: str) -> Path:
    """``templates``/``migrations`` live at the repository top in a checkout and inside the
    package in an installed wheel (setup.cfg maps them there)."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from config import load_config

    settings = load_config()
    if config:
        settings.update(config)
    instance_path = settings.get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    app = Flask(
        __name__,
        template_folder=str(_resource_dir("templates")),
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.update(settings)
    _finish_config(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def _finish_config(app: Flask) -> None:
    """Fill what depends on the instance folder; refuse an unsafe production config."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["APP_ENV"] == "production":
        missing = [k for k in app.config.get("REQUIRED_FROM_ENVIRONMENT", ()) if not app.config.get(k)]
        if missing:
            names = ", ".join("DATABASE_URL" if k == "SQLALCHEMY_DATABASE_URI" else k for k in missing)
            raise ConfigurationError(f"Production configuration is missing {names}: set it in the environment.")
        _require_shared_rate_limit_storage(app)
    from vendor_registry.jobs.registry import validate_schedule

    validate_schedule(app.config)  # refuse a nightly hour in 02–03 (DST) at start, not at 2 a.m.
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "vendor_registry.db")
    from vendor_registry.background_checks.storage import allowed_document_types

    allowed_document_types(app.config)  # refuse an evidence type the content cannot prove, at start
    if not app.config.get("EVIDENCE_STORAGE_DIR"):
        app.config["EVIDENCE_STORAGE_DIR"] = str(Path(app.instance_path) / "evidence")


def _require_shared_rate_limit_storage(app: Flask) -> None:
    """Memory storage counts the API limit in each worker process on its own: with four
    gunicorn workers "600 per minute" lets 2,400 through. Production needs a shared store."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://"):
        raise ConfigurationError(
            "Production configuration uses RATELIMIT_STORAGE_URI=memory://, which counts the API rate "
            "limit per worker process (with 4 workers, 4 times API_RATE_LIMIT). Set RATELIMIT_STORAGE_URI "
            "to a store the workers share, e.g. redis://host:6379.")


def _instance_secret_key(instance: Path) -> str:
    """A random key generated once and kept in instance/ (mode 0600), never a literal."""
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    from vendor_registry import models  # noqa: F401  (every table on the metadata)
    from vendor_registry.audit import listener
    from vendor_registry.auth.loading import init_login
    from vendor_registry.auth.oidc import init_oidc
    from vendor_registry.extensions import babel, bootstrap, csrf, db, migrate
    from vendor_registry.flags import refresh as flag_refresh
    from vendor_registry.i18n import (
        install_template_gettext,
        select_locale,
        select_timezone,
    )
    from vendor_registry.organisations import tenancy

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_resource_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    install_template_gettext(app)
    bootstrap.init_app(app)
    init_login(app)
    init_oidc(app)  # municipal single sign-on, only when configured
    listener.install()
    tenancy.install()
    flag_refresh.install()
    _sqlite_pragmas(app)
    _row_level_security(app)
    _page_cache(app)


def _page_cache(app: Flask) -> None:
    """The data stamp on every commit that wrote, and the store of rendered pages it guards."""
    from vendor_registry import datastamp, pagecache
    from vendor_registry.extensions import db

    with app.app_context():
        datastamp.install(db.engine)
    pagecache.init_app(app)


def _row_level_security(app: Flask) -> None:
    """PostgreSQL: the organisation in every transaction, the app's role on every connection."""
    from vendor_registry.extensions import db
    from vendor_registry.organisations import rls

    with app.app_context():
        rls.install(db.engine, app.config.get("DATABASE_ROLE"))


def _sqlite_pragmas(app: Flask) -> None:
    """WAL, busy timeout, page cache, foreign keys and IMMEDIATE writes on SQLite (see ``sqlite.py``)."""
    from vendor_registry import sqlite
    from vendor_registry.extensions import db

    with app.app_context():
        sqlite.install(db.engine, int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000)),
                       int(app.config.get("SQLITE_CACHE_MB", 64)))


def register_security(app: Flask) -> None:
    from vendor_registry.security import init_security

    init_security(app)


def register_blueprints(app: Flask) -> None:
    from vendor_registry.blueprints import all_blueprints
    from vendor_registry.converters import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any rule is added: every <int:> is bounded
    for blueprint in all_blueprints():
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from vendor_registry.errors import init_errors

    init_errors(app)


def register_template_helpers(app: Flask) -> None:
    from vendor_registry.formatting import init_formatting

    init_formatting(app)


def register_cli(app: Flask) -> None:
    from vendor_registry.cli import register_commands

    register_commands(app)
