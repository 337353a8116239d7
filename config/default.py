"""Every setting with a safe default and one line on what it does."""
from __future__ import annotations


class DefaultConfig:
    # None: the app generates a random key once into instance/ (never a literal fallback).
    SECRET_KEY: str | None = None
    # Any SQLAlchemy URL; None means the embedded SQLite file instance/vendor_registry.db.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Session cookie: not readable by scripts, not sent on cross-site posts, HTTPS only.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # seconds: one working day
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a form left open all day can still be saved
    # Swedish first; English available.
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")
    # Bootstrap served from the installed package, never a CDN (closed municipal networks).
    BOOTSTRAP_SERVE_LOCAL = True
    # Upper bound for request bodies (uploads included); larger requests get 413.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    PROVIDERS_PER_PAGE = 25
    # Scheduler: the hour (Europe/Stockholm) for nightly sweeps, outside 02–03 (DST changes).
    SWEEP_HOUR = 4
    DIGEST_HOUR = 7
    # External sources (see SOURCES.md); unset means "not configured".
    IVO_REGISTER_URL: str | None = None
    BOLAGSVERKET_API_URL: str | None = None
    BOLAGSVERKET_TOKEN_URL: str | None = None
    BOLAGSVERKET_CLIENT_ID: str | None = None
    BOLAGSVERKET_CLIENT_SECRET: str | None = None
    # Evidence files live outside the web root; None means instance/evidence.
    EVIDENCE_STORAGE_DIR: str | None = None
    EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    # Mail for digests; with no MAIL_SERVER digests are shown in the app only.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "noreply@vendor-registry.invalid"
    # API rate limit per token and its storage ("memory://" or "redis://host:6379").
    API_RATE_LIMIT = "600 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    # Public base URL used in e-mails.
    BASE_URL = "http://127.0.0.1:5000"


#: Environment variable -> setting.
ENV_OVERRIDES: dict[str, str] = {
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "PROVIDERS_PER_PAGE": "PROVIDERS_PER_PAGE",
    "SWEEP_HOUR": "SWEEP_HOUR",
    "DIGEST_HOUR": "DIGEST_HOUR",
    "IVO_REGISTER_URL": "IVO_REGISTER_URL",
    "BOLAGSVERKET_API_URL": "BOLAGSVERKET_API_URL",
    "BOLAGSVERKET_TOKEN_URL": "BOLAGSVERKET_TOKEN_URL",
    "BOLAGSVERKET_CLIENT_ID": "BOLAGSVERKET_CLIENT_ID",
    "BOLAGSVERKET_CLIENT_SECRET": "BOLAGSVERKET_CLIENT_SECRET",
    "EVIDENCE_STORAGE_DIR": "EVIDENCE_STORAGE_DIR",
    "EVIDENCE_MAX_BYTES": "EVIDENCE_MAX_BYTES",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_USE_TLS": "MAIL_USE_TLS",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_SENDER": "MAIL_SENDER",
    "API_RATE_LIMIT": "API_RATE_LIMIT",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "BASE_URL": "BASE_URL",
}
